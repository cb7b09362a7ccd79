import { errorMessage, UserError } from "../../util/errors.js";
import { attach } from "../commands/tasks.js";
import type { CliContext } from "../context.js";
import { cancelQuestion, diffPager, logLines, logPager, mergeTask, replyPrompt } from "./actions.js";
import { EndingBell, isControl, StallBell } from "./bell.js";
import { collectRows } from "./collect.js";
import { sortRows, type WatchRow } from "./frame.js";
import { type Mode, pagerRoom, renderScreen } from "./screen.js";
import { type Key, Terminal } from "./terminal.js";

/*
 * The interactive `watch`: a table and a pager need nothing more than Node's readline keypress
 * events and a frame of plain text with a few ANSI sequences, so no terminal UI library (Ink
 * brings React and a layout engine, blessed is unmaintained) — and the frame stays a pure
 * function the tests read back (screen.ts). Keys here; what they do in actions.ts; the terminal
 * in terminal.ts.
 */
export async function interactiveWatch(
  ctx: CliContext,
  opts: { intervalMs: number; bell: boolean },
): Promise<void> {
  const { p } = ctx;
  const term = new Terminal(process.stdin, ctx.out);
  const stallAfter = ctx.settings.notify.stallAfterSeconds;
  let rows: WatchRow[] = [];
  let selected: string | undefined;
  let mode: Mode = { kind: "list" };
  let message = "";
  let busy = false;
  let stopped = false;
  /** Another program (tmux attach) has the terminal: no frames, no keys. */
  let suspended = false;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => {
    done = () => {
      stopped = true;
      r();
    };
  });
  const endings = new EndingBell(ctx.manager.store.layout.completionsFile);
  await endings.start();
  const stalls = new StallBell(stallAfter);

  const say = (text: string, bad = false) => {
    message = bad ? p.red(text) : text;
  };

  const draw = () => {
    if (stopped || suspended) return;
    const { width, height } = term.size();
    term.draw(
      renderScreen({
        p,
        width,
        height,
        rows,
        selected,
        mode,
        message,
        busy,
        maxParallel: ctx.settings.maxParallel,
        home: ctx.settings.home,
        stallAfterSeconds: stallAfter,
      }),
    );
  };

  const refresh = async () => {
    rows = sortRows(await collectRows(ctx));
    if (!rows.some((r) => r.obs.meta.task_id === selected)) selected = rows[0]?.obs.meta.task_id;
    if (mode.kind === "pager" && mode.follow) mode.lines = await logLines(ctx, mode.follow);
    if (opts.bell) {
      // An ending or a stall rings once: OSC 9 (a desktop notification in most terminals) and BEL.
      const ring = (await endings.ring()) + stalls.ring(rows);
      if (ring) term.write(ring);
    }
  };

  /** Runs an action, showing its sentence (the tools' own words) when it is refused. */
  const act = async (what: () => Promise<string>) => {
    busy = true;
    draw();
    try {
      say(await what());
    } catch (err) {
      say(err instanceof UserError ? err.message : `failed: ${errorMessage(err)}`, true);
    } finally {
      busy = false;
      if (mode.kind !== "pager") mode = { kind: "list" };
      await refresh().catch(() => undefined);
      draw();
    }
  };

  const move = (by: number) => {
    const at = rows.findIndex((r) => r.obs.meta.task_id === selected);
    selected = rows[Math.min(rows.length - 1, Math.max(0, at + by))]?.obs.meta.task_id;
  };

  const MOVES: Record<string, (n: number) => number> = {
    up: () => -1,
    k: () => -1,
    down: () => 1,
    j: () => 1,
    pageup: () => -10,
    pagedown: () => 10,
    home: (n) => -n,
    end: (n) => n,
  };

  const onList = async (str: string | undefined, key: Key) => {
    const by = key.name ? MOVES[key.name] : undefined;
    if (by) return move(by(rows.length));
    if (key.name === "q") return done();
    if (key.name === "escape") {
      message = "";
      return;
    }
    const id = selected;
    if (!id) return;
    if (key.name === "return" || key.name === "enter") {
      suspended = true;
      await term
        .lend(() => attach({ ...ctx }, id).then(() => undefined))
        .catch((err: unknown) => say(errorMessage(err), true))
        .finally(() => {
          suspended = false;
        });
    } else if (str === "l") mode = await logPager(ctx, id);
    else if (str === "d")
      await act(async () => {
        mode = await diffPager(ctx, id);
        return "";
      });
    else if (str === "c") mode = cancelQuestion(ctx, id);
    else if (str === "m") mode = { kind: "merge", taskId: id };
    else if (str === "r")
      mode = replyPrompt(ctx, id, (next) => {
        selected = next;
      });
  };

  const onKey = async (str: string | undefined, key: Key) => {
    if (key.ctrl && key.name === "c") return done();
    if (busy) return;
    const back = key.name === "escape" || (mode.kind !== "input" && key.name === "q");
    switch (mode.kind) {
      case "list":
        return onList(str, key);
      case "pager": {
        const room = pagerRoom(term.size().height);
        if (back) mode = { kind: "list" };
        else if (key.name === "down" || key.name === "j") mode.top += 1;
        else if (key.name === "up" || key.name === "k") mode.top = Math.max(0, mode.top - 1);
        else if (key.name === "space" || key.name === "pagedown") mode.top += room;
        else if (key.name === "b" || key.name === "pageup") mode.top = Math.max(0, mode.top - room);
        else if (str === "g") mode.top = 0;
        else if (str === "G") mode.top = mode.lines.length;
        return;
      }
      case "confirm": {
        const { yes } = mode;
        if (str === "y" || str === "Y") await act(yes);
        else if (back || str === "n" || str === "N") mode = { kind: "list" };
        return;
      }
      case "merge": {
        const strategy = { m: "merge", s: "squash", r: "rebase" }[str ?? ""];
        const { taskId } = mode;
        if (back) mode = { kind: "list" };
        else if (strategy) await act(() => mergeTask(ctx, taskId, strategy));
        return;
      }
      case "input": {
        if (back) mode = { kind: "list" };
        else if (key.name === "return" || key.name === "enter") {
          const { submit, text } = mode;
          await act(() => submit(text));
        } else if (key.name === "backspace") mode.text = [...mode.text].slice(0, -1).join("");
        else if (str && !key.ctrl && ![...str].some(isControl)) mode.text += str;
        return;
      }
    }
  };

  term.open((str, key) => onKey(str, key).catch((err: unknown) => say(errorMessage(err), true)), draw);
  ctx.out.on("resize", draw);
  process.once("SIGINT", done);
  process.once("SIGTERM", done);
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      // While tmux attach has the terminal, the board neither reads nor draws.
      if (!suspended) {
        await refresh();
        draw();
      }
    } catch (err) {
      say(errorMessage(err), true);
    }
    if (!stopped) timer = setTimeout(() => void tick(), opts.intervalMs);
  };
  try {
    await tick();
    await finished;
  } finally {
    if (timer) clearTimeout(timer);
    ctx.out.off("resize", draw);
    process.off("SIGINT", done);
    process.off("SIGTERM", done);
    term.close();
  }
}
