import { promises as fsp } from "node:fs";
import path from "node:path";
import { git } from "./exec.js";

/**
 * A git repository with one commit holding `dirs` × `filesPerDir` small source files
 * (d000/f000.ts …). Files are written a directory at a time in parallel, then one
 * `git add -A` and one commit.
 */
export async function makeRepo(dir: string, dirs: number, filesPerDir: number): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  await git(dir, "init", "-q", "-b", "main");
  await fsp.writeFile(path.join(dir, "README.md"), `# bench repository: ${dirs * filesPerDir} files\n`);
  const pad = (n: number) => String(n).padStart(3, "0");
  for (let d = 0; d < dirs; d += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, dirs - d) }, async (_, k) => {
        const sub = path.join(dir, `d${pad(d + k)}`);
        await fsp.mkdir(sub);
        await Promise.all(
          Array.from({ length: filesPerDir }, (_, f) =>
            fsp.writeFile(
              path.join(sub, `f${pad(f)}.ts`),
              `// module ${d + k}/${f}\nexport const value_${d + k}_${f} = ${(d + k) * 1000 + f};\n`,
            ),
          ),
        );
      }),
    );
  }
  await git(dir, "add", "-A");
  await git(dir, "commit", "-q", "-m", "initial");
  return dir;
}

/** Number of files git tracks at HEAD. */
export async function trackedFiles(dir: string): Promise<number> {
  return (await git(dir, "ls-files")).split("\n").filter(Boolean).length;
}
