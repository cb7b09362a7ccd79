import type { AgentEvent } from "../core/agent-events.js";

/**
 * Pieces every agent stream reader shares: reading one JSON line, loose field access (the streams
 * are other programs' output: any field may be missing or of another type), the cause of an error,
 * and holding back the newest assistant message until the reader knows whether it is the answer.
 */

export type Json = Record<string, unknown>;

/** One JSONL line as an object; undefined for blank, torn or non-object lines (CLIs print warnings too). */
export function parseJsonLine(line: string): Json | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

export function obj(value: unknown): Json | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A short description of a tool call's input: the path, pattern, URL or command it names. */
export function toolSummary(input: unknown): string | undefined {
  const fields = obj(input);
  if (!fields) return undefined;
  for (const key of ["file_path", "filePath", "path", "pattern", "url", "query", "command", "description"]) {
    const value = str(fields[key]);
    if (value) return value.length > 200 ? `${value.slice(0, 197)}...` : value;
  }
  return undefined;
}

/**
 * The newest assistant message, held back until the stream says whether it is the run's answer:
 * a later message or tool call makes it an ordinary message; the end of the run makes it final.
 */
export class HeldMessage {
  private text: string | undefined;

  get current(): string | undefined {
    return this.text;
  }

  /** Holds `text`, releasing the message held before it. */
  hold(text: string): AgentEvent[] {
    const released = this.release();
    this.text = text;
    return released;
  }

  /** The held message as an ordinary one (something else came after it). */
  release(): AgentEvent[] {
    const text = this.text;
    this.text = undefined;
    return text ? [{ kind: "message", text }] : [];
  }

  /** Drops the held message (it was an error's echo, reported as the error). */
  drop(): void {
    this.text = undefined;
  }

  /**
   * The run's answer. With `answer` (the CLI's own statement of it), the held message is released
   * unless it says the same; without, the held message is the answer.
   */
  finish(answer?: string): AgentEvent[] {
    if (answer === undefined) {
      const text = this.text;
      this.text = undefined;
      return text ? [{ kind: "message", text, final: true }] : [];
    }
    const events = this.text === answer ? [] : this.release();
    this.text = undefined;
    return [...events, { kind: "message", text: answer, final: true }];
  }
}
