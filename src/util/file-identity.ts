import { statSync } from "node:fs";

/**
 * What tells one version of a file from another without reading it: inode, mtime and size.
 * Every write the product makes replaces the file (a new inode); an edit in place changes the
 * mtime or the size. Undefined when the file does not exist. A stat is synchronous on purpose:
 * it costs microseconds, against a thread-pool round trip for an asynchronous one.
 */
export function fileIdentity(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return undefined;
  }
}
