import { promises as fsp } from "node:fs";
import path from "node:path";
import { packageFile } from "../../util/package-file.js";

/** The page's files, shipped prebuilt in the package (dist/ui/static, copied by the build). */
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** Serves the page's own files by name only (no paths: nothing else on disk can be reached). */
export class StaticFiles {
  private dir: string | undefined;
  private readonly cache = new Map<string, StaticFile>();

  private root(): string {
    this.dir ??= packageFile("dist/ui/static") ?? packageFile("src/server/ui/static");
    if (!this.dir) throw new Error("the web board's files (dist/ui/static) are missing; reinstall codexmcp");
    return this.dir;
  }

  async get(name: string): Promise<StaticFile | undefined> {
    if (!/^[a-z][a-z0-9-]*\.(html|js|css|svg)$/.test(name)) return undefined;
    const known = this.cache.get(name);
    if (known) return known;
    const body = await fsp.readFile(path.join(this.root(), name)).catch(() => undefined);
    if (!body) return undefined;
    const file = { body, type: TYPES[path.extname(name)] ?? "application/octet-stream" };
    this.cache.set(name, file);
    return file;
  }
}
