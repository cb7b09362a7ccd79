/**
 * Rules for commands that write the files named in their arguments: coreutils file commands, `find`,
 * downloaders, archivers and compressors, `rsync`, virtual-environment creators.
 */

import { type Ctx, isDevice, type Rule, writes } from "./context.js";
import { has, list, type OptSpec, optValue, optValues, parseArgs } from "./options.js";

// File commands: which operands they write, after their options.
interface FileRule {
  readonly verb: string;
  readonly spec?: OptSpec;
  /** Leading operands that are not files (chown's owner). */
  readonly skip?: number;
  /** Only the destination is written (cp, ln): `-t DIR` or the last operand. */
  readonly dest?: boolean;
}

const FILE_COMMANDS: Readonly<Record<string, FileRule>> = {
  rm: { verb: "removes" },
  rmdir: { verb: "removes" },
  unlink: { verb: "removes" },
  shred: { verb: "overwrites", spec: { value: "ns" } },
  touch: { verb: "creates or updates", spec: { value: "dtr" } },
  mkdir: { verb: "creates", spec: { value: "mZ" } },
  mkfifo: { verb: "creates", spec: { value: "mZ" } },
  truncate: { verb: "truncates", spec: { value: "sr" } },
  chown: { verb: "changes the owner of", skip: 1 },
  chgrp: { verb: "changes the group of", skip: 1 },
  mv: { verb: "moves", spec: { value: "tS", long: ["--target-directory", "--suffix"] } },
  cp: { verb: "copies into", spec: { value: "tS", long: ["--target-directory", "--suffix"] }, dest: true },
  ln: {
    verb: "creates a link at",
    spec: { value: "tS", long: ["--target-directory", "--suffix"] },
    dest: true,
  },
  install: {
    verb: "installs into",
    spec: { value: "mogtS", long: ["--target-directory", "--mode"] },
    dest: true,
  },
  sponge: { verb: "writes" },
};

function fileCommand(c: Ctx, rule: FileRule): void {
  const p = parseArgs(c.args, rule.spec);
  let paths = p.operands.slice(has(p, "--reference") ? 0 : (rule.skip ?? 0));
  const dir = optValue(p, "-t", "--target-directory");
  if (rule.dest && !(c.name === "install" && has(p, "-d", "--directory"))) {
    paths = dir !== undefined ? [dir] : paths.length >= 2 ? paths.slice(-1) : [];
  } else if (dir !== undefined) paths.push(dir);
  writes(c, "file-command", paths, (f) => `${c.prog} ${rule.verb} ${f}`);
}

function chmod(c: Ctx): void {
  // `chmod -x f`: a mode, not an option; chmod's real options are few.
  const operands = c.args.filter((a) => !/^-[RcfvHLP]+$|^--/.test(a));
  const ref = c.args.some((a) => a.startsWith("--reference"));
  writes(c, "file-command", operands.slice(ref ? 0 : 1), (f) => `chmod changes the mode of ${f}`);
}

function tee(c: Ctx): void {
  const files = parseArgs(c.args).operands.filter((f) => f !== "-");
  if (files.length > 0) writes(c, "file-command", files, (f) => `tee writes ${f}`);
}

function dd(c: Ctx): void {
  for (const a of c.args) {
    const out = a.startsWith("of=") ? a.slice(3) : undefined;
    if (out && !isDevice(out)) c.audit.emit("file-command", `dd writes ${out}`, out);
  }
}

function find(c: Ctx): void {
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const file = args[i + 1];
    if (a === "-delete") c.audit.emit("file-command", "find -delete removes files");
    else if (/^-(?:fprint0?|fprintf|fls)$/.test(a) && file !== undefined && !isDevice(file)) {
      c.audit.emit("file-command", `find ${a} writes ${file}`, file);
    } else if (/^-(?:exec|execdir|ok|okdir)$/.test(a)) {
      let j = i + 1;
      while (j < args.length && args[j] !== ";" && args[j] !== "+") j++;
      c.audit.words(
        args.slice(i + 1, j).filter((w) => w !== "{}"),
        c.cmd,
        c.depth,
      );
      i = j;
    }
  }
}

function curl(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "oDcHdXuAebwxmrTFKECyYzUQPt",
    long: list(
      "--output --dump-header --cookie-jar --header --data --data-raw --data-binary --request --user --user-agent --cookie --write-out --url --form --config --output-dir --upload-file",
    ),
  });
  for (const f of optValues(p, "-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar")) {
    if (f !== "-" && !isDevice(f)) c.audit.emit("file-command", `curl writes ${f}`, f);
  }
  if (has(p, "-O", "--remote-name", "--remote-name-all")) {
    c.audit.emit("file-command", "curl saves the download under its remote name");
  }
}

function wget(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "OoaPeUtTwQiBDlAR",
    long: list(
      "--output-document --output-file --append-output --directory-prefix --execute --user-agent --header --input-file --tries --timeout --post-data --user --password",
    ),
  });
  for (const log of optValues(p, "-o", "--output-file", "-a", "--append-output")) {
    if (!isDevice(log)) c.audit.emit("file-command", `wget writes its log to ${log}`, log);
  }
  if (has(p, "--spider") || (p.operands.length === 0 && !has(p, "-i", "--input-file"))) return;
  const doc = optValue(p, "-O", "--output-document");
  if (doc === "-" || (doc !== undefined && isDevice(doc))) return;
  const target = doc ?? optValue(p, "-P", "--directory-prefix");
  c.audit.emit("file-command", target ? `wget downloads into ${target}` : "wget downloads files", target);
}

function tar(c: Ctx): void {
  const [head = "", ...tail] = c.args;
  const args = /^[A-Za-z]+$/.test(head) ? [`-${head}`, ...tail] : c.args; // old style: `tar xzf a.tgz`
  const p = parseArgs(args, {
    value: "fCbHgIKLNTVX",
    long: ["--file", "--directory", "--files-from", "--exclude-from", "--exclude", "--use-compress-program"],
  });
  if (has(p, "-x", "--extract", "--get")) {
    if (has(p, "-O", "--to-stdout")) return;
    const dir = optValue(p, "-C", "--directory");
    c.audit.emit("file-command", dir ? `tar extracts files into ${dir}` : "tar extracts files", dir);
  } else if (
    has(p, "-c", "--create", "-r", "--append", "-u", "--update", "-A", "--concatenate", "--delete")
  ) {
    const archive = optValue(p, "-f", "--file");
    if (archive && archive !== "-" && !isDevice(archive))
      c.audit.emit("file-command", `tar writes ${archive}`, archive);
  }
}

function unzip(c: Ctx): void {
  const p = parseArgs(c.args, { value: "dP" });
  if (p.operands.length === 0 || has(p, "-l", "-v", "-t", "-p", "-c", "-z", "-Z")) return;
  const dir = optValue(p, "-d");
  c.audit.emit("file-command", dir ? `unzip extracts into ${dir}` : "unzip extracts files", dir);
}

function zip(c: Ctx): void {
  const archive = parseArgs(c.args, { value: "bntP" }).operands[0];
  if (archive && archive !== "-") c.audit.emit("file-command", `zip writes ${archive}`, archive);
}

function compressor(c: Ctx): void {
  const p = parseArgs(c.args, { value: "So", long: ["--suffix", "--output"] });
  if (has(p, "-c", "--stdout", "--to-stdout", "-l", "--list", "-t", "--test")) return;
  const out = optValue(p, "-o", "--output");
  const files = out !== undefined ? [out] : p.operands.filter((f) => f !== "-");
  const verb = c.prog.startsWith("un") || has(p, "-d", "--decompress") ? "decompresses" : "compresses";
  if (files.length > 0) writes(c, "file-command", files, (f) => `${c.prog} ${verb} ${f}`);
}

function split(c: Ctx): void {
  const p =
    c.name === "csplit"
      ? parseArgs(c.args, { value: "fbn", long: ["--prefix", "--suffix-format", "--digits"] })
      : parseArgs(c.args, { value: "abClnt", long: ["--bytes", "--lines", "--number", "--line-bytes"] });
  if (has(p, "--filter")) return;
  const prefix = c.name === "csplit" ? optValue(p, "-f", "--prefix") : p.operands[1];
  c.audit.emit(
    "file-command",
    prefix ? `${c.prog} writes ${prefix}* pieces` : `${c.prog} writes pieces`,
    prefix,
  );
}

function rsync(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "efBMT",
    long: ["--exclude", "--include", "--filter", "--rsh", "--exclude-from", "--include-from", "--files-from"],
  });
  const dest = p.operands.at(-1);
  if (dest !== undefined && p.operands.length >= 2 && !has(p, "-n", "--dry-run")) {
    c.audit.emit("file-command", `rsync writes ${dest}`, dest);
  }
}

function venv(c: Ctx): void {
  const dir = parseArgs(c.args, { value: "p", long: ["--prompt", "--python"] }).operands[0];
  if (dir) c.audit.emit("file-command", `${c.prog} creates a virtual environment at ${dir}`, dir);
}

export const FILE_RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(
    Object.entries(FILE_COMMANDS).map(([n, r]): [string, Rule] => [n, (c) => fileCommand(c, r)]),
  ),
  ...Object.fromEntries(
    list("gzip gunzip bzip2 bunzip2 xz unxz lzma unlzma zstd unzstd pigz unpigz lz4 compress uncompress").map(
      (n): [string, Rule] => [n, compressor],
    ),
  ),
  chmod,
  tee,
  dd,
  find,
  curl,
  wget,
  tar,
  unzip,
  zip,
  split,
  csplit: split,
  rsync,
  venv,
  virtualenv: venv,
};
