import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postMortemAudit } from "../../dist/audit/post-mortem.js";
import { loadSettings } from "../../dist/config/settings.js";
import type { Observation } from "../../dist/lifecycle/observe.js";
import { TaskManager } from "../../dist/tasks/manager.js";
import { waitForCompletion } from "../../dist/tasks/wait-any.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until } from "../helpers/wait.js";

/**
 * A wait without a cursor on given tasks answers from their history; the cursor it hands back
 * must still cover every ending after what it looked at. Here a task ends *while* that wait is
 * looking (at each point of its look in turn: the ending is made to happen during the k-th look
 * at the other task), and the next wait, from the cursor, must report it.
 */
describe("codex_wait without a cursor: the cursor it returns misses no ending", () => {
  let sb: Sandbox;
  let manager: TaskManager;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    sb.model.script("hang", [{ hang: true }]);
    const env = sb.env();
    manager = new TaskManager(await loadSettings(env), env, { postMortemAudit });
  });
  afterAll(async () => {
    for (const obs of await manager.list({ activeOnly: true }).catch(() => []))
      await manager.cancel(obs.meta.task_id).catch(() => undefined);
    await sb?.dispose();
  });

  const running = async (topic: string) => {
    const d = await manager.dispatch({
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic,
      sandbox: "read-only",
    });
    await until(`${d.task_id} to run`, async () => (await manager.observe(d.task_id)).status === "running");
    return d.task_id;
  };

  for (const [k, listed] of [1, 2, 3, 4, 5].flatMap((n) => [[n, true] as const, [n, false] as const])) {
    it(`an ending during the wait's look number ${k} at another task is reported from its cursor (${listed ? "given tasks" : "any task"})`, async () => {
      const a = await running(`review-ends${k}${listed ? "l" : "a"}-v1`);
      const b = await running(`review-stays${k}${listed ? "l" : "a"}-v1`);
      const taskIds = listed ? [a, b] : undefined;
      // Every look at b counts; the k-th one first cancels a (for real: its outcome is written
      // and journaled as any cancel's), then looks. Nothing else about the wait is changed.
      const observe = manager.observe.bind(manager);
      let looks = 0;
      const watched = Object.create(manager) as TaskManager;
      watched.observe = async (id: string): Promise<Observation> => {
        if (id === b && ++looks === k) await manager.cancel(a);
        return observe(id);
      };
      const first = await waitForCompletion(watched, { taskIds, timeoutMs: 0 });
      // A wait that looked fewer times: a ends just after its answer, which must count as well.
      if (looks < k) await manager.cancel(a);
      const reported: string[] = [];
      let cursor = first.cursor;
      if (first.kind === "completion") reported.push(first.obs.meta.task_id);
      // Until a reports, from the cursor each answer hands back (b never ends by itself).
      for (let i = 0; i < 3 && !reported.includes(a); i++) {
        const next = await waitForCompletion(manager, { taskIds, cursor, timeoutMs: 500 });
        if (next.kind === "completion") reported.push(next.obs.meta.task_id);
        cursor = next.cursor;
      }
      if (listed) expect(looks, "the wait looked at b").toBeGreaterThan(0);
      expect(reported, `first answer: ${first.kind}`).toEqual([a]);
      await manager.cancel(b);
    });
  }
});
