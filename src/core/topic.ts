import { UserError } from "../util/errors.js";

export const DEFAULT_TOPIC_TYPES = [
  "review",
  "implement",
  "longrun",
  "test",
  "fix",
  "refactor",
  "docs",
  "research",
] as const;

const TOPIC_RE = /^([a-z][a-z0-9]{0,19})-([A-Za-z0-9_]{1,64})-v([1-9][0-9]{0,5})$/;
const TASK_ID_PREFIX = "codex-";

export interface Topic {
  /** `<type>-<desc>-v<N>` */
  readonly topic: string;
  readonly type: string;
  readonly desc: string;
  readonly version: number;
  /** `<type>-<desc>`: what all versions of a topic share (worktree, branch). */
  readonly stem: string;
  /** `codex-<topic>` */
  readonly taskId: string;
}

export function topicFormatHint(allowedTypes: readonly string[]): string {
  return `a topic looks like <type>-<desc>-v<N>, e.g. implement-user_register-v1 (type one of ${allowedTypes.join(", ")}; desc letters, digits and _ only; N a positive number)`;
}

function fromMatch(topic: string, m: RegExpExecArray): Topic {
  const [, type = "", desc = "", version = "1"] = m;
  return {
    topic,
    type,
    desc,
    version: Number(version),
    stem: `${type}-${desc}`,
    taskId: `${TASK_ID_PREFIX}${topic}`,
  };
}

export function parseTopic(topic: string, allowedTypes: readonly string[] = DEFAULT_TOPIC_TYPES): Topic {
  const m = TOPIC_RE.exec(topic);
  if (!m) throw new UserError(`Invalid topic "${clip(topic)}": ${topicFormatHint(allowedTypes)}.`);
  const parsed = fromMatch(topic, m);
  const { type } = parsed;
  if (!allowedTypes.includes(type)) {
    throw new UserError(
      `Invalid topic "${topic}": type "${type}" is not allowed here; use one of ${allowedTypes.join(", ")}.`,
    );
  }
  return parsed;
}

export function nextTopic(t: Topic, allowedTypes: readonly string[]): Topic {
  return parseTopic(`${t.stem}-v${t.version + 1}`, allowedTypes);
}

/**
 * Task ids are `codex-<topic>`; a bare topic is accepted too. The check is syntactic (any
 * type), so tasks made under an older allowed-types setting stay addressable.
 */
export function parseTaskId(id: string): Topic {
  const topic = id.startsWith(TASK_ID_PREFIX) ? id.slice(TASK_ID_PREFIX.length) : id;
  const m = TOPIC_RE.exec(topic);
  if (!m) {
    throw new UserError(
      `Invalid task id "${clip(id)}": task ids look like codex-<type>-<desc>-v<N> (e.g. codex-implement-user_register-v1); call codex_status without task_id to list tasks.`,
    );
  }
  return fromMatch(topic, m);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
