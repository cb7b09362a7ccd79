import type { Paint } from "../style.js";
import { fitLine, renderWatch, WATCH_KEYS, type WatchRow } from "./frame.js";

/** What the interactive watch shows: the board, or one of the views and questions over it. */
export type Mode =
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

export interface ScreenState {
  readonly p: Paint;
  readonly width: number;
  readonly height: number;
  readonly rows: readonly WatchRow[];
  readonly selected: string | undefined;
  readonly mode: Mode;
  /** What the last action said. */
  readonly message: string;
  /** An action is running: keys wait. */
  readonly busy: boolean;
  readonly maxParallel: number;
  readonly home: string;
  readonly stallAfterSeconds: number;
}

/** Lines of a pager that fit between its title and its footer. */
export function pagerRoom(height: number): number {
  return Math.max(1, height - 3);
}

function pagerFrame(mode: Extract<Mode, { kind: "pager" }>, s: ScreenState): string {
  const { p, width } = s;
  const room = pagerRoom(s.height);
  // A followed log stays at its end; otherwise the view never scrolls past the last page.
  if (mode.follow) mode.top = Math.max(0, mode.lines.length - room);
  mode.top = Math.min(mode.top, Math.max(0, mode.lines.length - room));
  const body = mode.lines.slice(mode.top, mode.top + room).map((l) => fitLine(l, width));
  const keys = mode.follow
    ? "following the log · q/Esc back"
    : "j/k ↑↓ scroll · space/b page · g/G top/end · q/Esc back";
  return `${[
    p.bold(fitLine(mode.title, width)),
    ...body,
    ...Array(room - body.length).fill(""),
    p.dim(fitLine(keys, width)),
  ].join("\n")}\n`;
}

/** One whole screen, as text with a few ANSI sequences (a pure function: tests read it back). */
export function renderScreen(s: ScreenState): string {
  const { mode } = s;
  if (mode.kind === "pager") return pagerFrame(mode, s);
  let line = s.message;
  let footer = s.busy ? "working…" : WATCH_KEYS;
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
  return renderWatch(s.rows, {
    p: s.p,
    width: s.width,
    height: s.height,
    maxParallel: s.maxParallel,
    home: s.home,
    selected: s.selected,
    message: line,
    footer,
    stallAfterSeconds: s.stallAfterSeconds,
  });
}
