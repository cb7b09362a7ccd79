import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { hasErrorCode, UserError } from "../util/errors.js";
import { ensurePrivateDir, writeJsonAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";

/**
 * Which repository config files a person has trusted, pinned to the exact content they read:
 * `$CODEXMCP_HOME/trusted-configs.json` (0600). Like direnv's `allow`: a changed file is not
 * trusted until someone trusts it again.
 */
export const TRUST_FILE = "trusted-configs.json";

const entrySchema = z.object({
  /** Real path of the config file. */
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  trusted_at: z.string(),
});
const storeSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) });

export type TrustEntry = z.infer<typeof entrySchema>;

export type TrustState =
  | { readonly kind: "trusted"; readonly entry: TrustEntry }
  | { readonly kind: "untrusted" }
  /** Trusted once, with other content. */
  | { readonly kind: "changed"; readonly entry: TrustEntry };

export function sha256Of(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class TrustStore {
  readonly file: string;

  constructor(readonly home: string) {
    this.file = path.join(home, TRUST_FILE);
  }

  async list(): Promise<TrustEntry[]> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, "utf8");
    } catch (err) {
      if (hasErrorCode(err, "ENOENT")) return [];
      throw err;
    }
    const parsed = storeSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new UserError(
        `${this.file} is not a trust list codexmcp wrote; move it away and trust your repositories again.`,
      );
    return parsed.data.entries;
  }

  /** Whether `file` (a real path) with content hashing to `sha256` is trusted. */
  async state(file: string, sha256: string): Promise<TrustState> {
    const entry = (await this.list()).find((e) => e.path === file);
    if (!entry) return { kind: "untrusted" };
    return entry.sha256 === sha256 ? { kind: "trusted", entry } : { kind: "changed", entry };
  }

  /** Trusts `file` with exactly this content (replacing an earlier entry for the path). */
  async trust(file: string, sha256: string, now: string): Promise<TrustEntry> {
    const entry = { path: file, sha256, trusted_at: now };
    await this.update((entries) => [...entries.filter((e) => e.path !== file), entry]);
    return entry;
  }

  /** Forgets `file`; false when it was not trusted. */
  async revoke(file: string): Promise<boolean> {
    let found = false;
    await this.update((entries) =>
      entries.filter((e) => {
        if (e.path !== file) return true;
        found = true;
        return false;
      }),
    );
    return found;
  }

  private async update(change: (entries: TrustEntry[]) => TrustEntry[]): Promise<void> {
    await ensurePrivateDir(path.join(this.home, "locks"));
    await withLock(path.join(this.home, "locks", "trust"), async () => {
      const entries = change(await this.list());
      await writeJsonAtomic(this.file, {
        version: 1,
        entries: entries.sort((a, b) => a.path.localeCompare(b.path)),
      });
    });
  }
}
