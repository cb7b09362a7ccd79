import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TaskStore } from "../../src/core/store.js";

/** meta.json exactly as codexmcp 0.1.0 (before the agent seam) wrote it. */
const CODEX_ERA_META = {
  schema: 1,
  task_id: "codex-review-old_task-v1",
  topic: "review-old_task-v1",
  topic_type: "review",
  topic_stem: "review-old_task",
  sandbox: "read-only",
  codex_sandbox: "read-only",
  readonly_fallback: true,
  readonly_fallback_restore: false,
  codex_input: "codex-input.md",
  cwd: "/srv/project",
  run_dir: "/srv/project",
  host: "process",
  tmux_session: null,
  tmux_socket: null,
  git: null,
  ran_in_place: false,
  note: null,
  resume_session_id: null,
  model: null,
  profile: null,
  reasoning_effort: null,
  timeout_seconds: 14400,
  codex_bin: "/usr/local/bin/codex",
  codex_args: [
    "exec",
    "--json",
    "--skip-git-repo-check",
    "-C",
    "/srv/project",
    "-s",
    "danger-full-access",
    "-",
  ],
  created_at: "2026-11-01T10:00:00.000Z",
  status: "completed",
  started_at: "2026-11-01T10:00:01.000Z",
  finished_at: "2026-11-01T10:02:00.000Z",
};

describe("tasks stored before agents were a seam", () => {
  it("read as Codex tasks with their binary, argv, mode and input file", async () => {
    const home = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-compat-"));
    try {
      const store = new TaskStore(home);
      const dir = store.layout.taskDir(CODEX_ERA_META.task_id);
      await fsp.mkdir(dir, { recursive: true });
      await fsp.writeFile(path.join(dir, "meta.json"), JSON.stringify(CODEX_ERA_META));
      const meta = await store.readMeta(CODEX_ERA_META.task_id);
      expect(meta).toMatchObject({
        agent: "codex",
        agent_mode: "read-only",
        agent_bin: "/usr/local/bin/codex",
        agent_args: CODEX_ERA_META.codex_args,
        agent_input: "codex-input.md",
        status: "completed",
      });
      expect(meta).not.toHaveProperty("codex_bin");
      expect(meta).not.toHaveProperty("codex_args");
    } finally {
      await fsp.rm(home, { recursive: true, force: true });
    }
  });
});
