import type { CliContext } from "../context.js";
import type { WatchRow } from "./frame.js";

/** What the view shows of each task (the newest 200). */
export async function collectRows(ctx: Pick<CliContext, "manager">): Promise<WatchRow[]> {
  const list = await ctx.manager.list({ limit: 200 });
  return Promise.all(
    list.map(async (obs) => {
      let activity = "";
      if (obs.result) activity = obs.result.error ?? (obs.result.result ?? "").split("\n")[0] ?? "";
      else activity = (await ctx.manager.lastActivity(obs)) ?? "starting";
      const queuePosition =
        obs.status === "queued" ? await ctx.manager.queuePosition(obs.meta.task_id) : undefined;
      return { obs, activity, queuePosition, idleSeconds: await ctx.manager.idleSeconds(obs) };
    }),
  );
}
