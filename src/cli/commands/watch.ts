import { type CliContext, EXIT } from "../context.js";
import { renderWatch } from "../watch/frame.js";

export { renderWatch, type WatchRow } from "../watch/frame.js";

/** `codexmcp watch`: an interactive view in a terminal; one frame otherwise (or with --once). */
export async function watch(
  ctx: CliContext,
  opts: { intervalMs: number; once: boolean; bell?: boolean },
): Promise<number> {
  const tty = ctx.out.isTTY === true && process.stdin.isTTY === true && !opts.once;
  const { collectRows } = await import("../watch/collect.js");
  if (!tty) {
    ctx.out.write(
      renderWatch(await collectRows(ctx), {
        p: ctx.p,
        width: ctx.out.columns ?? 120,
        height: 1000,
        maxParallel: ctx.settings.maxParallel,
        home: ctx.settings.home,
      }),
    );
    return EXIT.ok;
  }
  const { interactiveWatch } = await import("../watch/interactive.js");
  await interactiveWatch(ctx, { intervalMs: opts.intervalMs, bell: opts.bell ?? ctx.settings.notify.bell });
  return EXIT.ok;
}
