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
/** The same with hyphens inside the description, which are read as underscores. */
const HYPHENATED_RE = /^([a-z][a-z0-9]{0,19})-([A-Za-z0-9_-]{1,64})-v([1-9][0-9]{0,5})$/;
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

/**
 * The canonical spelling of a topic: a description written with hyphens
 * (implement-login-page-v1) means the same as with underscores (implement-login_page-v1), which
 * is what names the task, branch and worktree. undefined when it is not a topic at all.
 */
export function normalizeTopic(topic: string): string | undefined {
  if (TOPIC_RE.test(topic)) return topic;
  const m = HYPHENATED_RE.exec(topic);
  if (!m) return undefined;
  const [, type = "", desc = "", version = "1"] = m;
  const words = desc.split(/-+/).filter(Boolean);
  if (!/[A-Za-z0-9]/.test(desc) || words.length === 0) return undefined;
  const fixed = `${type}-${words.join("_")}-v${version}`;
  return TOPIC_RE.test(fixed) ? fixed : undefined;
}

/** A topic that follows the rules and is close to what was written, when one can be guessed. */
export function suggestTopic(raw: string, allowedTypes: readonly string[]): string | undefined {
  const text = raw.trim();
  const version = /-v([1-9][0-9]{0,5})$/i.exec(text);
  const body = version ? text.slice(0, version.index) : text;
  const dash = body.search(/[-_\s/]/);
  if (dash <= 0) return undefined;
  const type = body.slice(0, dash).toLowerCase();
  const desc = body
    .slice(dash + 1)
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  if (!desc) return undefined;
  const guess = `${allowedTypes.includes(type) ? type : (allowedTypes[0] ?? type)}-${desc}-v${version?.[1] ?? "1"}`;
  return TOPIC_RE.test(guess) && allowedTypes.includes(type) ? guess : undefined;
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
  const canonical = normalizeTopic(topic);
  const m = canonical === undefined ? null : TOPIC_RE.exec(canonical);
  if (!m || canonical === undefined) {
    const guess = suggestTopic(topic, allowedTypes);
    throw new UserError(
      `Invalid topic "${clip(topic)}": ${topicFormatHint(allowedTypes)}.${guess ? ` For example: "${guess}".` : ""}`,
    );
  }
  const parsed = fromMatch(canonical, m);
  const { type } = parsed;
  if (!allowedTypes.includes(type)) {
    throw new UserError(
      `Invalid topic "${topic}": type "${type}" is not allowed here; use one of ${allowedTypes.join(", ")} (e.g. "${allowedTypes[0] ?? "implement"}-${parsed.desc}-v${parsed.version}").`,
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
export function parseTaskId(id: string, listHint: string = TASK_LIST_HINT.mcp): Topic {
  const written = id.startsWith(TASK_ID_PREFIX) ? id.slice(TASK_ID_PREFIX.length) : id;
  const topic = normalizeTopic(written);
  const m = topic === undefined ? null : TOPIC_RE.exec(topic);
  if (!m || topic === undefined) {
    throw new UserError(
      `Invalid task id "${clip(id)}": task ids look like codex-<type>-<desc>-v<N> (e.g. codex-implement-user_register-v1); ${listHint}.`,
    );
  }
  return fromMatch(topic, m);
}

/** How to list tasks, for whoever reads the message: a model (MCP) or a person (the CLI). */
export const TASK_LIST_HINT = {
  mcp: "the codex_status tool of this server without task_id lists the tasks",
  cli: "`codexmcp ls` lists the tasks",
} as const;

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
