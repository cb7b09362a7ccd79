import type { ConversationEntry } from "./types.js";

export const SCRIPT_TAG = /\[\[script:([A-Za-z0-9_.-]+)\]\]/;

export interface ScriptPosition {
  /** The script named by the tagged prompt; undefined when the newest prompt has no tag. */
  readonly script: string | undefined;
  /** Tool results since that prompt: how far the script has got. */
  readonly step: number;
  /** The text of that prompt. */
  readonly userText: string;
}

/**
 * Where a conversation stands in its script. The prompt is the newest run of user messages (no
 * assistant turn between them); the one in it with a `[[script:NAME]]` tag picks the script, so
 * context a CLI sends next to the prompt (Codex's environment context, Gemini's router input) does
 * not hide the tag. Tool results are never user messages (Anthropic and Gemini send them in user
 * turns) and their text is never searched, so output that quotes a tag changes nothing. A prompt
 * without a tag after an answer (a resumed session's new prompt, Qwen's memory-extraction subagent)
 * is a follow-up the script does not cover: it gets the default script.
 */
export function scriptPosition(entries: readonly ConversationEntry[]): ScriptPosition {
  let newest = -1;
  for (let i = entries.length - 1; i >= 0 && newest < 0; i--) if (entries[i]?.kind === "user") newest = i;
  let from = newest;
  for (let i = newest; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.kind !== "user") break;
    if (SCRIPT_TAG.test(entry.text)) {
      from = i;
      break;
    }
  }
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
