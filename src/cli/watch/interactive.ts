import { emitKeypressEvents } from "node:readline";
import { runCancel } from "../../tools/cancel.js";
import { runDiff } from "../../tools/diff.js";
import { MERGE_INPUT, runMerge } from "../../tools/merge.js";
import { replyInput, runReply } from "../../tools/reply.js";
import { parseToolInput } from "../../tools/strict.js";
import { errorMessage, UserError } from "../../util/errors.js";
import { tailLines } from "../../util/tail.js";
import { render } from "../actions/render.js";
import { attach } from "../commands/tasks.js";
import type { CliContext } from "../context.js";
import { EndingBell, isControl } from "./bell.js";
import { collectRows } from "./collect.js";
import { fitLine, renderWatch, sortRows, WATCH_KEYS, type WatchRow } from "./frame.js";

/*
 * The interactive `watch`. Keys come from Node's own readline keypress events (arrows, Enter,
 * Esc, letters, Ctrl-C), and the frame is plain text with a few ANSI sequences: a table and a
 * pager need nothing more, so no terminal UI library (Ink brings React and a layout engine,
 * blessed is unmaintained) — and the frame stays a pure function the tests read back.
 */

interface Key {
  readonly name?: string;
  readonly ctrl?: boolean;
  readonly sequence?: string;
}

type Mode =
  | { readonly kind: "list" }
  | { readonly kind: "pager"; readonly title: string; lines: string[]; top: number; readonly follow?: string }
  | { readonly kind: "confirm"; readonly question: string; readonly yes: () => Promise<string> }
  | { readonly kind: "merge"; readonly taskId: string }
  | {
      readonly kind: "input";
      readonly label: string;
      text: string;
      readonly submit: (text: string) => Promise<string>;
    };

const CSI = "\u001b[";

export async function interactiveWatch(
  ctx: CliContext,
  opts: { intervalMs: number; bell: boolean },
): Promise<void> {
  const { out, p } = ctx;
  const stdin = process.stdin;
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
  const bell = new EndingBell(ctx.manager.store.layout.completionsFile);
  await bell.start();

  const size = () => ({ width: out.columns ?? 120, height: out.rows ?? 40 });
  const say = (text: string, bad = false) => {
    message = bad ? p.red(text) : text;
  };

  const draw = () => {
    if (stopped || suspended) return;
    const { width, height } = size();
    let frame: string;
    if (mode.kind === "pager") {
      const room = Math.max(1, height - 3);
      if (mode.follow) mode.top = Math.max(0, mode.lines.length - room);
      mode.top = Math.min(mode.top, Math.max(0, mode.lines.length - room));
      const body = mode.lines.slice(mode.top, mode.top + room).map((l) => fitLine(l, width));
      const keys = mode.follow
        ? "following the log · q/Esc back"
        : "j/k ↑↓ scroll · space/b page · g/G top/end · q/Esc back";
      frame = `${[p.bold(fitLine(mode.title, width)), ...body, ...Array(room - body.length).fill(""), p.dim(fitLine(keys, width))].join("\n")}\n`;
    } else {
      let line = message;
      let footer = busy ? "working…" : WATCH_KEYS;
      if (mode.kind === "confirm") {
        line = mode.question;
        footer = "y yes · n/Esc no";
      } else if (mode.kind === "merge") {
        line = `Merge ${mode.taskId} into the branch it came from: m merge · s squash · r rebase`;
        footer = "m/s/r choose · Esc back";
      } else if (mode.kind === "input") {
        line = `${mode.label}${mode.text}▏`;
        footer = "Enter send · Esc back (a longer prompt: codexmcp reply <task> --prompt-file F)";
      }
      frame = renderWatch(rows, {
        p,
        width,
        height,
        maxParallel: ctx.settings.maxParallel,
        home: ctx.settings.home,
        selected,
        message: line,
        footer,
      });
    }
    // Home, each line cleared to its end, then everything below: no flicker, no leftovers.
    out.write(`${CSI}H${frame.replaceAll("\n", `${CSI}K\n`)}${CSI}J`);
  };

  const refresh = async () => {
    rows = sortRows(await collectRows(ctx));
    if (!rows.some((r) => r.obs.meta.task_id === selected)) selected = rows[0]?.obs.meta.task_id;
    if (mode.kind === "pager" && mode.follow) mode.lines = await logLines(mode.follow);
    if (opts.bell) {
      const ring = await bell.ring();
      if (ring) out.write(ring);
    }
  };

  const logLines = async (taskId: string) =>
    tailLines(await ctx.manager.store.readablePath(taskId, "log"), 2000).catch(() => []);

  /** Runs an action, showing its sentence (the tools' own words) when it is refused. */
  const act = async (what: () => Promise<string>) => {
    busy = true;
    draw();
    try {
      say(await what());
    } catch (err) {
      if (!(err instanceof UserError)) say(`failed: ${errorMessage(err)}`, true);
      else say(err.message, true);
    } finally {
      busy = false;
      mode = mode.kind === "pager" ? mode : { kind: "list" };
      await refresh().catch(() => undefined);
      draw();
    }
  };

  const suspend = async (fn: () => Promise<void>) => {
    suspended = true;
    stdin.pause();
    stdin.setRawMode(false);
    out.write(`${CSI}?25h${CSI}?1049l`);
    try {
      await fn();
    } finally {
      out.write(`${CSI}?1049h${CSI}?25l`);
      stdin.setRawMode(true);
      stdin.resume();
      suspended = false;
    }
  };

  const move = (by: number) => {
    const at = rows.findIndex((r) => r.obs.meta.task_id === selected);
    const next = Math.min(rows.length - 1, Math.max(0, at + by));
    selected = rows[next]?.obs.meta.task_id;
  };

  const onList = async (str: string | undefined, key: Key) => {
    const id = selected;
    switch (key.name) {
      case "up":
      case "k":
        return move(-1);
      case "down":
      case "j":
        return move(1);
      case "pageup":
        return move(-10);
      case "pagedown":
        return move(10);
      case "home":
        return move(-rows.length);
      case "end":
        return move(rows.length);
      case "q":
        return done();
      case "escape":
        message = "";
        return;
    }
    if (!id) return;
    if (key.name === "return" || key.name === "enter") {
      await suspend(async () => {
        try {
          await attach({ ...ctx, out }, id);
        } catch (err) {
          say(errorMessage(err), true);
        }
      });
      return;
    }
    if (str === "l") {
      mode = { kind: "pager", title: `${id} — transcript`, lines: await logLines(id), top: 0, follow: id };
      return;
    }
    if (str === "d") {
      await act(async () => {
        const answer = await runDiff(ctx.manager, { task_id: id });
        const lines = render("diff", p, answer).out.replace(/\n$/, "").split("\n");
        mode = {
          kind: "pager",
          title: `${id} — diff against ${answer.base_commit.slice(0, 12)}`,
          lines,
          top: 0,
        };
        return "";
      });
      return;
    }
    if (str === "c") {
      mode = {
        kind: "confirm",
        question: `Cancel ${id}? Its processes stop; worktree and logs stay.`,
        yes: async () => (await runCancel(ctx.manager, id, "cli")).message,
      };
      return;
    }
    if (str === "m") {
      mode = { kind: "merge", taskId: id };
      return;
    }
    if (str === "r") {
      mode = {
        kind: "input",
        label: `Reply to ${id}: `,
        text: "",
        submit: async (text) => {
          const args = parseToolInput("codex_reply", replyInput(), { task_id: id, prompt: text });
          const v = await runReply(ctx.manager, args);
          selected = v.task_id;
          return `${v.task_id} ${v.status}: continues ${v.replied_to}`;
        },
      };
    }
  };

  const onKey = async (str: string | undefined, key: Key) => {
    if (key.ctrl && key.name === "c") return done();
    if (busy) return;
    const back = key.name === "escape" || (mode.kind !== "input" && key.name === "q");
    switch (mode.kind) {
      case "list":
        return onList(str, key);
      case "pager": {
        const room = Math.max(1, size().height - 3);
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
        else if (strategy)
          await act(async () => {
            const args = parseToolInput("codex_merge", MERGE_INPUT, { task_id: taskId, strategy });
            const outcome = await runMerge(ctx.manager, args);
            const said =
              render("merge", { ...p, red: String, green: String }, outcome).out.split("\n")[0] ?? "";
            if (!outcome.merged) throw new UserError(said);
            return said;
          });
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

  emitKeypressEvents(stdin);
  stdin.setRawMode(true);
  stdin.resume();
  let queue = Promise.resolve();
  const keypress = (str: string | undefined, key: Key | undefined) => {
    // One key at a time, in order: an action finishes before the next key is read.
    queue = queue
      .then(() => onKey(str, key ?? { sequence: str }))
      .catch((err: unknown) => say(errorMessage(err), true))
      .then(draw);
  };
  stdin.on("keypress", keypress);
  const resize = () => draw();
  out.on("resize", resize);
  process.once("SIGINT", done);
  process.once("SIGTERM", done);
  out.write(`${CSI}?1049h${CSI}?25l`);
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
    stdin.off("keypress", keypress);
    out.off("resize", resize);
    process.off("SIGINT", done);
    process.off("SIGTERM", done);
    out.write(`${CSI}?25h${CSI}?1049l`);
    stdin.setRawMode(false);
    stdin.pause();
  }
}
