import type { ConversationEntry } from "./types.js";

export const SCRIPT_TAG = /\[\[script:([A-Za-z0-9_.-]+)\]\]/;

export interface ScriptPosition {
  /** The script named by the newest tagged user message; undefined when no user message has a tag. */
  readonly script: string | undefined;
  /** Tool results since that message: how far the script has got. */
  readonly step: number;
  /** The text of that message (the newest user message when none is tagged). */
  readonly userText: string;
}

/**
 * Where a conversation stands in its script. The newest user message that carries a
 * `[[script:NAME]]` tag picks the script, not simply the newest user message: CLIs add user messages
 * of their own after the prompt (Anthropic's tool results are user messages, Gemini and Qwen add
 * reminders), and a tool result's text is never searched, so output that quotes a tag changes nothing.
 */
export function scriptPosition(entries: readonly ConversationEntry[]): ScriptPosition {
  let anchor = -1;
  let newestUser = -1;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.kind !== "user") continue;
    if (newestUser < 0) newestUser = i;
    if (SCRIPT_TAG.test(entry.text)) {
      anchor = i;
      break;
    }
  }
  const from = anchor >= 0 ? anchor : newestUser;
  const entry = entries[from];
  const userText = entry?.kind === "user" ? entry.text : "";
  const step = entries.slice(from + 1).filter((e) => e.kind === "tool_result").length;
  return { script: SCRIPT_TAG.exec(userText)?.[1], step, userText };
}

/** Text of a content value that is a string, or an array of parts with `text`. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => {
      if (typeof part === "string") return part;
      const text = (part as { text?: unknown } | null)?.text;
      return typeof text === "string" ? text : "";
    })
    .join("");
}
