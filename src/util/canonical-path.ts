import { promises as fsp } from "node:fs";
import path from "node:path";

/** realpath when the path exists, else the resolved path: /tmp vs /private/tmp must compare equal. */
export async function canonicalPath(p: string): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(await canonicalPath(parent), path.basename(p));
  }
}
