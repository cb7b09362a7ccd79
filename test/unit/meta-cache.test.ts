import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TaskStore } from "../../src/core/store.js";
import type { TaskMeta } from "../../src/core/types.js";
import { writeJsonAtomic } from "../../src/util/files.js";

/**
 * The store keeps each meta.json it read, by the file's identity, so listing and dispatch do not
 * re-read hundreds of finished tasks: whatever changes the file — the product's atomic writes, an
 * edit in place, a truncation, a deletion — must still be seen at once.
 */
describe("meta.json reads through the store's cache", () => {
  let home: string;
  let store: TaskStore;
  const id = "codex-review-cache-v1";
  let file: string;
  let meta: TaskMeta;

  beforeEach(async () => {
    home = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-metacache-"));
    store = new TaskStore(home);
    file = store.layout.file(id, "meta");
    await fsp.mkdir(path.dirname(file), { recursive: true });
    meta = {
      schema: 1,
      task_id: id,
      topic: "review-cache-v1",
      topic_type: "review",
      topic_stem: "review-cache",
      sandbox: "read-only",
      agent: "codex",
      agent_mode: "read-only",
      readonly_fallback: false,
      cwd: "/srv/p",
      run_dir: "/srv/p",
      host: "process",
      tmux_session: null,
      git: null,
      ran_in_place: false,
      note: null,
      resume_session_id: null,
      model: null,
      profile: null,
      reasoning_effort: null,
      timeout_seconds: 60,
      agent_bin: "/usr/bin/codex",
      agent_args: ["exec"],
      created_at: "2026-11-29T10:00:00.000Z",
      status: "running",
      started_at: null,
      finished_at: null,
    } as unknown as TaskMeta;
    await writeJsonAtomic(file, meta);
  });
  afterEach(async () => {
    await fsp.rm(home, { recursive: true, force: true });
  });

  it("an atomic rewrite (updateMeta, another process's writeMeta) is read at once", async () => {
    expect((await store.readMeta(id))?.status).toBe("running");
    await writeJsonAtomic(file, { ...meta, status: "completed" });
    expect((await store.readMeta(id))?.status).toBe("completed");
    await new TaskStore(home).updateMeta(id, (m) => {
      (m as { note: string | null }).note = "from another process";
    });
    expect((await store.readMeta(id))?.note).toBe("from another process");
  });

  it("a change to what a caller got back does not change the next read", async () => {
    const first = (await store.readMeta(id)) as { status: string };
    first.status = "failed";
    expect((await store.readMeta(id))?.status).toBe("running");
    const updated = await store.updateMeta(id, (m) => {
      (m as { status: string }).status = "queued";
    });
    expect(updated?.status).toBe("queued");
    expect((await store.readMeta(id))?.status).toBe("queued");
  });

  it("an edit in place, a truncation and a deletion are seen", async () => {
    await store.readMeta(id);
    const text = await fsp.readFile(file, "utf8");
    await fsp.writeFile(file, text.replace('"running"', '"queued" '));
    expect((await store.readMeta(id))?.status).toBe("queued");
    await fsp.writeFile(file, text.slice(0, 40));
    const damaged = await store.readMetaChecked(id);
    expect(damaged?.ok).toBe(false);
    await fsp.rm(file);
    expect(await store.readMetaChecked(id)).toBeUndefined();
    await writeJsonAtomic(file, meta);
    expect((await store.readMeta(id))?.status).toBe("running");
  });
});
