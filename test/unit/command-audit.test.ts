import { describe, expect, it } from "vitest";
import { findCommandWrites } from "../../src/audit/command-audit.js";

/** [kind] or [kind, path] per finding, in the order reported. */
type Found = readonly [string] | readonly [string, string];

const found = (command: string): Found[] =>
  findCommandWrites(command).map((f): Found => (f.path === undefined ? [f.kind] : [f.kind, f.path]));

/** How codex reports a command: wrapped in a login shell, single quotes escaped. */
const wrapped = (command: string): string => `/bin/bash -lc '${command.replaceAll("'", `'\\''`)}'`;

const R = "redirect";
const F = "file-command";
const E = "in-place-edit";
const G = "git";
const P = "package-install";
const S = "inline-script";
const A = "apply-patch";

const POSITIVE: readonly (readonly [string, readonly Found[]])[] = [
  // redirections
  ["echo hi > notes.txt", [[R, "notes.txt"]]],
  ["printf x >> log.txt", [[R, "log.txt"]]],
  ["cmd 2> err.txt", [[R, "err.txt"]]],
  ["echo x 1> one.txt", [[R, "one.txt"]]],
  ["ls &> out.log", [[R, "out.log"]]],
  ["ls &>> out.log", [[R, "out.log"]]],
  ["echo x >| forced.txt", [[R, "forced.txt"]]],
  ["exec 3<> rw.txt", [[R, "rw.txt"]]],
  ["echo hi>tight.txt", [[R, "tight.txt"]]],
  ["ls 2>&1 > both.txt", [[R, "both.txt"]]],
  ["echo a >&amp.txt", [[R, "amp.txt"]]],
  ["cat <<'EOF' > README.md\n# Title > subtitle\nEOF", [[R, "README.md"]]],
  ['cat > cfg.json <<EOF\n{"a": 1}\nEOF', [[R, "cfg.json"]]],
  ['echo "$(date > stamp.txt)"', [[R, "stamp.txt"]]],
  ["(cd sub && echo x > y.txt)", [[R, "y.txt"]]],
  ["diff <(sort a) <(sort b) > d.txt", [[R, "d.txt"]]],
  ['out=x; echo 1 > "$out"', [[R, "$out"]]],
  // file commands
  ["touch a", [[F, "a"]]],
  ["mkdir -p d/e", [[F, "d/e"]]],
  ["rm -rf build", [[F, "build"]]],
  [
    "rm -f a.o b.o",
    [
      [F, "a.o"],
      [F, "b.o"],
    ],
  ],
  ["rmdir empty", [[F, "empty"]]],
  ["cp -r src dst", [[F, "dst"]]],
  ["cp -t out/ a b", [[F, "out/"]]],
  [
    "mv old.txt new.txt",
    [
      [F, "old.txt"],
      [F, "new.txt"],
    ],
  ],
  ["ln -sf target link", [[F, "link"]]],
  ["chmod +x run.sh", [[F, "run.sh"]]],
  ["chmod -x run.sh", [[F, "run.sh"]]],
  ["chown -R user:group dir", [[F, "dir"]]],
  ["truncate -s 0 big.log", [[F, "big.log"]]],
  ["install -m 755 bin/tool /usr/local/bin/tool", [[F, "/usr/local/bin/tool"]]],
  ["dd if=/dev/zero of=big bs=1 count=1", [[F, "big"]]],
  ["tee out.txt", [[F, "out.txt"]]],
  [
    "echo x | tee -a log1 log2 >/dev/null",
    [
      [F, "log1"],
      [F, "log2"],
    ],
  ],
  ["find . -name '*.tmp' -delete", [[F]]],
  ["find . -name '*.o' -exec rm {} \\;", [[F]]],
  ["find . -fprint list.txt", [[F, "list.txt"]]],
  ["find . -type f | xargs rm -f", [[F]]],
  ["find . -print0 | xargs -0 -I{} cp {} backup/", [[F, "backup/"]]],
  ["curl -sSLo install.sh https://example.com/i.sh", [[F, "install.sh"]]],
  ["curl -O https://example.com/file.tgz", [[F]]],
  ["wget https://example.com/a.tgz", [[F]]],
  ["wget -O page.html https://example.com", [[F, "page.html"]]],
  ["tar -xzf a.tgz -C vendor", [[F, "vendor"]]],
  ["tar xf a.tar", [[F]]],
  ["tar czf out.tar.gz src", [[F, "out.tar.gz"]]],
  ["unzip x.zip", [[F]]],
  ["unzip -o x.zip -d vendor", [[F, "vendor"]]],
  ["zip -r out.zip dir", [[F, "out.zip"]]],
  ["gzip data.csv", [[F, "data.csv"]]],
  ["gunzip data.csv.gz", [[F, "data.csv.gz"]]],
  ["patch -p1 < fix.diff", [[F]]],
  ["patch src/a.c fix.diff", [[F, "src/a.c"]]],
  ["split -l 100 big.txt part_", [[F, "part_"]]],
  ["rsync -a src/ backup/", [[F, "backup/"]]],
  ["python3 -m venv .venv", [[F, ".venv"]]],
  // in-place edits
  ["sed -i 's/a/b/' f.ts", [[E, "f.ts"]]],
  [
    "sed -i.bak -e 's/a/b/' a.txt b.txt",
    [
      [E, "a.txt"],
      [E, "b.txt"],
    ],
  ],
  ["sed -i '' 's/a/b/' mac.txt", [[E, "mac.txt"]]],
  ["sed --in-place=.orig 's/x/y/' g.c", [[E, "g.c"]]],
  ["sed -ni '/x/p' h.txt", [[E, "h.txt"]]],
  ["sed -Ei 's/(a)/b/' k.txt", [[E, "k.txt"]]],
  ["perl -pi -e 's/a/b/' f", [[E, "f"]]],
  ["perl -i.bak -pe 's/a/b/' g", [[E, "g"]]],
  ["perl -pie 's/a/b/' h", [[E, "h"]]],
  ["ruby -pi -e 'gsub(/a/, \"b\")' r.txt", [[E, "r.txt"]]],
  ["gawk -i inplace '{print}' data.txt", [[E, "data.txt"]]],
  ["npx prettier --write .", [[E]]],
  ["gofmt -l -w .", [[E]]],
  // git
  ["git stash", [[G]]],
  ["git stash pop", [[G]]],
  ["git reset --hard", [[G]]],
  ["git checkout -- file", [[G]]],
  ["git checkout main", [[G]]],
  ["git apply p.diff", [[G]]],
  ["git -C /x commit -m m", [[G]]],
  ["git -c user.name=x --no-pager commit --amend --no-edit", [[G]]],
  ["git add -A", [[G]]],
  ["git rm --cached f", [[G]]],
  ["git restore --staged f", [[G]]],
  ["git cherry-pick abc123", [[G]]],
  ["git branch feature", [[G]]],
  ["git branch -D old", [[G]]],
  ["git tag v1.0", [[G]]],
  ["git tag -d v1.0", [[G]]],
  ["git config user.email a@b", [[G]]],
  ["git config --unset core.pager", [[G]]],
  ["git clean -fdx", [[G]]],
  ["git worktree add ../wt", [[G]]],
  ["git fetch origin", [[G]]],
  ["git pull --rebase", [[G]]],
  ["git push origin main", [[G]]],
  ["git submodule update --init", [[G]]],
  ["git remote add up https://example.com/r.git", [[G]]],
  ["git update-ref refs/heads/x HEAD", [[G]]],
  ["git init", [[G]]],
  // package installs
  ["npm install lodash", [[P]]],
  ["npm --prefix web i", [[P]]],
  ["npm ci", [[P]]],
  ["pnpm add -D vitest", [[P]]],
  ["yarn", [[P]]],
  ["bun add zod", [[P]]],
  ["pip install requests", [[P]]],
  ["python3 -m pip install -r req.txt", [[P]]],
  ["uv pip install x", [[P]]],
  ["uv add httpx", [[P]]],
  ["poetry add rich", [[P]]],
  ["cargo add serde", [[P]]],
  ["go get example.com/m@latest", [[P]]],
  ["go mod tidy", [[P]]],
  ["gem install rails", [[P]]],
  ["bundle install", [[P]]],
  ["composer require x/y", [[P]]],
  ["apt-get install -y jq", [[P]]],
  ["brew install jq", [[P]]],
  // inline scripts
  ["python3 -c \"open('x.txt','w').write('1')\"", [[S, "x.txt"]]],
  ["python3 - <<'EOF'\nfrom pathlib import Path\nPath('y').write_text('1')\nEOF", [[S, "y"]]],
  ["python -c \"import os; os.remove('old.log')\"", [[S, "old.log"]]],
  ["python3 -c \"import shutil; shutil.rmtree('build')\"", [[S, "build"]]],
  ["python3 -c \"open('log', mode='a').write('x')\"", [[S, "log"]]],
  ["python3 -c \"import shutil; shutil.copy('a', 'b')\"", [[S, "b"]]],
  ['python3 <<EOF\nwith open("out.json", "w") as f:\n    f.write("{}")\nEOF', [[S, "out.json"]]],
  ["cat <<'EOF' | python3 -\nimport os\nos.makedirs('d')\nEOF", [[S, "d"]]],
  ["python3 -c \"import subprocess; subprocess.run(['git', 'stash'])\"", [[G]]],
  ["python3 -c \"import os; os.system('touch t')\"", [[F, "t"]]],
  ["node -e \"require('fs').writeFileSync('z','1')\"", [[S, "z"]]],
  ["node -e \"fs.rmSync('dist', {recursive: true})\"", [[S, "dist"]]],
  ["node --eval \"require('child_process').execSync('rm -rf tmp')\"", [[F, "tmp"]]],
  ["node - <<'EOF'\nconst fs = require('fs');\nfs.appendFileSync(\"a.log\", \"x\");\nEOF", [[S, "a.log"]]],
  ['perl -e \'open(my $fh, ">", "p.txt")\'', [[S, "p.txt"]]],
  ["perl -e 'unlink \"q.txt\"'", [[S, "q.txt"]]],
  ['ruby -e \'File.write("r.rb", "x")\'', [[S, "r.rb"]]],
  ['php -r \'file_put_contents("s.php", "x");\'', [[S, "s.php"]]],
  ["awk '{print $1 > \"out.txt\"}' f", [[S, "out.txt"]]],
  // nesting, prefixes and wrappers
  ["bash -c 'echo x > y'", [[R, "y"]]],
  [
    'sh -c "rm -f a && touch b"',
    [
      [F, "a"],
      [F, "b"],
    ],
  ],
  ['eval "echo hi > e.txt"', [[R, "e.txt"]]],
  ["echo `touch b`", [[F, "b"]]],
  ["FOO=1 BAR=2 touch f", [[F, "f"]]],
  ["env -i PATH=/bin rm x", [[F, "x"]]],
  ["timeout 10 rm -rf cache", [[F, "cache"]]],
  ["nice -n 5 touch nice.txt", [[F, "nice.txt"]]],
  ["sudo -u root mkdir /opt/x", [[F, "/opt/x"]]],
  ["command rm z", [[F, "z"]]],
  ["if [ -f x ]; then rm x; fi", [[F, "x"]]],
  ["bash <<'EOF'\ngit stash\nEOF", [[G]]],
  // apply_patch
  ["apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\nEOF", [[A, "a.txt"]]],
  [
    "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: src/x.ts\n*** Move to: src/y.ts\n@@\n-a\n+b\n*** Delete File: old.md\n*** End Patch\nEOF",
    [
      [A, "src/x.ts"],
      [A, "src/y.ts"],
      [A, "old.md"],
    ],
  ],
];

const NEGATIVE: readonly string[] = [
  // harmless redirections and operators
  "ls -la 2>&1",
  "cat file | head -20",
  "grep -r 'a => b' src",
  'rg "=>" -n',
  "cmd >/dev/null 2>&1",
  "cmd &>/dev/null",
  "cmd 2>/dev/null",
  "echo hi >&2",
  "cmd 1>&2 2>/dev/tty",
  "cmd > /dev/stderr",
  "echo x >> /dev/null",
  "exec 3>&-",
  "cat < input.txt",
  'wc -l <<< "text"',
  "cat <<'EOF'\nrm -rf build > x.txt\nEOF",
  "sort <(ls)",
  '[[ "a" > "b" ]] && echo yes',
  "(( n > 3 )) && echo big",
  "echo $(( 5 > 3 ))",
  'echo "x > y"',
  "echo 'git stash' rm -rf /",
  "printf '%s\\n' \"a > b\"",
  "cat file # > comment.txt",
  "ls | sort > /dev/null",
  "env | grep PATH",
  "time ls",
  // read-only git
  "git status",
  "git log --oneline | head",
  "git diff HEAD~1 -- src",
  "git show HEAD:src/a.ts",
  "git rev-parse HEAD",
  "git ls-files",
  "git blame f",
  "git branch",
  "git branch -a",
  "git branch -vv",
  "git branch --show-current",
  "git branch -r --contains abc",
  "git tag",
  "git tag -l 'v*'",
  "git stash list",
  "git stash show -p",
  "git config --get user.name",
  "git config user.name",
  "git config --list",
  "git remote -v",
  "git reflog",
  "git worktree list",
  "git apply --check p.diff",
  "git clean -n",
  "git push --dry-run",
  "git -C /x --no-pager log -p",
  "git checkout",
  // read-only tools
  "sed -n '1,5p' f",
  "sed 's/a/b/' f",
  "sed -e 's/x/y/' -n f",
  "find . -name '*.ts'",
  "find . -type f -exec grep -l foo {} +",
  "xargs grep foo",
  "awk '$1 > 3 {print}' f",
  "awk '{ if ($1 > 3) print $1 }' f",
  "awk 'BEGIN { printf \"%s > %s\\n\", a, b }'",
  "awk '{print > \"/dev/stderr\"}' f",
  "perl -ne 'print if /x/' f",
  "perl -lane 'print $F[0]' f",
  "tar -tzf a.tgz",
  "tar -xOf a.tar file",
  "unzip -l x.zip",
  "gzip -c f",
  "curl -s https://example.com | jq .",
  "curl -o /dev/null -w '%{http_code}' https://example.com",
  "wget -qO- https://example.com",
  "wget --spider https://example.com",
  "tee /dev/null",
  "cmd | tee",
  "dd if=a of=/dev/null",
  "rsync -n -a a/ b/",
  "command -v rm",
  "which touch",
  "rm --help",
  "npx tsc --noEmit",
  "npx prettier --check .",
  "npm run test",
  "npm ls",
  "pip list",
  "pip show requests",
  "yarn test",
  "go test ./...",
  'bash -lc "git status --short"',
  // read-only inline code
  "python3 -c 'print(open(\"a\").read())'",
  "python3 -c \"import json; print(json.load(open('a.json')))\"",
  "python3 -c \"print('a'.replace('a', 'b'))\"",
  "python3 - <<'EOF'\nprint(open('a').read())\nEOF",
  "python3 script.py <<'EOF'\nopen('x', 'w')\nEOF",
  "python3 -c \"from PIL import Image; Image.open('x.png').show()\"",
  'node -e "console.log(1)"',
  "node -p \"require('fs').readFileSync('a', 'utf8')\"",
  "node script.js",
  "ruby -e 'puts File.read(\"x\")'",
  "perl -e 'print \"see the link\"'",
];

describe("findCommandWrites", () => {
  it.each(POSITIVE)("flags %j", (command, expected) => {
    expect(found(command)).toEqual(expected);
  });

  it.each(NEGATIVE)("does not flag %j", (command) => {
    expect(findCommandWrites(command)).toEqual([]);
  });

  it.each([...POSITIVE, ...NEGATIVE.map((c): readonly [string, readonly Found[]] => [c, []])])(
    "reads %j the same inside codex's bash -lc wrapper",
    (command, expected) => {
      expect(found(wrapped(command))).toEqual(expected);
    },
  );

  it("reports each distinct write once", () => {
    expect(findCommandWrites("echo a > f; echo b > f")).toEqual([
      { kind: "redirect", path: "f", detail: "redirects output into f" },
    ]);
    expect(found("git stash && git stash pop")).toEqual([[G]]);
  });

  it("describes findings in a short sentence", () => {
    expect(findCommandWrites("git stash")[0]?.detail).toBe("git stash changes the stash");
    expect(findCommandWrites("printf x >> log.txt")[0]?.detail).toBe("appends output to log.txt");
    expect(findCommandWrites("sed -i 's/a/b/' f.ts")[0]?.detail).toBe("sed edits f.ts in place");
    expect(findCommandWrites("npm install lodash")[0]?.detail).toBe("npm install changes installed packages");
  });

  it("survives malformed input", () => {
    for (const text of ["echo 'unterminated > x", 'echo "open', "cat <<EOF", "echo $(", "a >", "))((", "`"]) {
      expect(() => findCommandWrites(text)).not.toThrow();
    }
    expect(findCommandWrites("")).toEqual([]);
  });
});
