import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode, UserError } from "../util/errors.js";
import { fileIdentity } from "../util/file-identity.js";
import {
  appendLine,
  ensurePrivateDir,
  PRIVATE_DIR_MODE,
  writeJsonAtomic,
  writeJsonOnce,
} from "../util/files.js";
import { withLock } from "../util/lock.js";
import { readTail } from "../util/tail.js";
import { nowIso, sleep } from "../util/time.js";
import { Layout, TASK_FILES, type TaskFile } from "./layout.js";
import { upgradeMeta } from "./meta-compat.js";
import { createReserve, isStorageError, readPending, writeOnceFromReserve } from "./outcome-reserve.js";
import { parseTaskId } from "./topic.js";
import type { RunnerRecord, TaskMeta, TaskResult } from "./types.js";
import { checkStoreJson, DamagedFileError, readCheckedIfExists, type Validated } from "./validated.js";

const REPAIR_AFTER_MS = 10_000;

/** How long a runner keeps trying to record its outcome on a full disk. */
export const FINALIZE_PATIENCE_MS = 120_000;

/** One line of completions.jsonl: the durable record that a task reached its end. */
export interface CompletionRecord {
  readonly task_id: string;
  readonly status: string;
  readonly finished_at: string;
  readonly created_at: string;
}

/**
 * Work the layers above lend the store, because the layers below them (tasks observing and
 * recovering each other's tasks) must not import them.
 */
export interface StoreServices {
  /** The read-only audit of a fallback task whose runner died, for its recorded outcome. */
  readonly postMortemAudit?: (meta: TaskMeta, taskDir: string) => Promise<unknown>;
  /**
   * Check store files only for what the reader relies on, without zod (a runner: its start-up is
   * paid by every task). Observers leave it unset and validate every file fully.
   */
  readonly lightReads?: boolean;
}

/** The task files under $CODEXMCP_HOME; every write is atomic, the outcome write-once. */
export class TaskStore {
  readonly layout: Layout;
  /** meta.json as last read, by the file's identity (util/file-identity.ts). */
  private readonly metaCache = new Map<string, { identity: string; read: Validated<TaskMeta> }>();

  constructor(
    home: string,
    readonly services: StoreServices = {},
  ) {
    this.layout = new Layout(home);
  }

  private get mode(): "full" | "light" {
    return this.services.lightReads ? "light" : "full";
  }

  /** Creates the state directories, or explains why it cannot. */
  async ensureHome(): Promise<void> {
    try {
      await ensurePrivateDir(this.layout.tasksDir);
      await ensurePrivateDir(this.layout.locksDir);
      await fsp.access(this.layout.tasksDir, constants.W_OK);
    } catch (err) {
      throw new UserError(
        `Cannot write the task store at ${this.layout.home} (${(err as Error).message}); make it writable, free disk space, or point CODEXMCP_HOME elsewhere.`,
      );
    }
  }

  /**
   * The path of one of a task's files, for a reader that hands its content out (logs, events,
   * resources): the task directory must be a real directory inside the store, not a link out
   * of it. Open the file with `openReadNoFollow` (util/tail.ts), which refuses a link there.
   */
  async readablePath(taskId: string, name: TaskFile): Promise<string> {
    const dir = this.layout.taskDir(taskId);
    const st = await fsp.lstat(dir).catch(() => null);
    const inside = path.join(
      await fsp.realpath(this.layout.tasksDir).catch(() => this.layout.tasksDir),
      taskId,
    );
    if (st && (!st.isDirectory() || (await fsp.realpath(dir)) !== inside)) {
      throw new UserError(
        `${dir} is not a directory of the task store (a link?); codexmcp does not read through it.`,
      );
    }
    return this.layout.file(taskId, name);
  }

  lockTask<T>(taskId: string, fn: () => Promise<T>): Promise<T> {
    return withLock(path.join(this.layout.locksDir, `task-${taskId}`), fn);
  }

  /**
   * meta.json, validated: undefined when missing, `ok: false` with the problem when damaged. A
   * meta.json from before the agent seam is read as a Codex task's.
   */
  async readMetaChecked(taskId: string): Promise<Validated<TaskMeta> | undefined> {
    const file = this.layout.file(taskId, "meta");
    // Listing, queueing and dispatch read every task's meta.json; most never change again.
    const identity = fileIdentity(file);
    if (identity === undefined) {
      this.metaCache.delete(taskId);
      return undefined;
    }
    const cached = this.metaCache.get(taskId);
    if (cached?.identity === identity) return copyRead(cached.read);
    const read = (await readCheckedIfExists(file, "meta", this.mode)) as Validated<TaskMeta> | undefined;
    if (!read) return undefined;
    const checked: Validated<TaskMeta> = read.ok
      ? { ok: true, value: upgradeMeta(read.value as unknown as TaskMeta) }
      : read;
    // Only if the file is still the one stat saw: the read may have met a newer version.
    if (fileIdentity(file) === identity) this.metaCache.set(taskId, { identity, read: checked });
    return copyRead(checked);
  }

  readResultChecked(taskId: string): Promise<Validated<TaskResult> | undefined> {
    return readCheckedIfExists(this.layout.file(taskId, "result"), "result", this.mode) as Promise<
      Validated<TaskResult> | undefined
    >;
  }

  readRunnerChecked(taskId: string): Promise<Validated<RunnerRecord> | undefined> {
    return readCheckedIfExists(this.layout.file(taskId, "runner"), "runner", this.mode) as Promise<
      Validated<RunnerRecord> | undefined
    >;
  }

  /** meta.json; a damaged one throws DamagedFileError (a UserError that says what to do). */
  async readMeta(taskId: string): Promise<TaskMeta | undefined> {
    return this.orThrow(taskId, "meta", await this.readMetaChecked(taskId));
  }

  async readResult(taskId: string): Promise<TaskResult | undefined> {
    return this.orThrow(taskId, "result", await this.readResultChecked(taskId));
  }

  async readRunner(taskId: string): Promise<RunnerRecord | undefined> {
    return this.orThrow(taskId, "runner", await this.readRunnerChecked(taskId));
  }

  private orThrow<T>(taskId: string, name: TaskFile, read: Validated<T> | undefined): T | undefined {
    if (!read) return undefined;
    if (read.ok) return read.value;
    throw new DamagedFileError(`${taskId}/${TASK_FILES[name]}`, read.problem);
  }

  async writeMeta(meta: TaskMeta): Promise<void> {
    await writeJsonAtomic(this.layout.file(meta.task_id, "meta"), meta);
  }

  /** Applies `change` to meta.json (a read-modify-write; callers own the transition they make). */
  async updateMeta(taskId: string, change: (meta: TaskMeta) => void): Promise<TaskMeta | undefined> {
    const meta = await this.readMeta(taskId);
    if (!meta) return undefined;
    change(meta);
    await this.writeMeta(meta);
    return meta;
  }

  /** Task ids with a directory, in no particular order. */
  async listIds(): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.layout.tasksDir);
    } catch (err) {
      if (hasErrorCode(err, "ENOENT")) return [];
      throw err;
    }
    return names.filter((n) => {
      try {
        return parseTaskId(n).taskId === n;
      } catch {
        return false;
      }
    });
  }

  /**
   * Moves a finished run's files into history/<n>-<created>/ so a re-run of the topic starts
   * clean and nothing of the earlier run is overwritten.
   */
  async archiveRun(taskId: string): Promise<string | undefined> {
    const dir = this.layout.taskDir(taskId);
    const read = await this.readMetaChecked(taskId).catch(() => undefined);
    const meta = read?.ok ? read.value : undefined;
    const historyDir = path.join(dir, TASK_FILES.history);
    await fsp.mkdir(historyDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const previous = await fsp.readdir(historyDir);
    const stamp = (meta?.created_at ?? nowIso()).replace(/[:.]/g, "-");
    const target = path.join(
      historyDir,
      `${previous.length + 1}-${stamp}${read && !read.ok ? "-damaged" : ""}`,
    );
    await fsp.mkdir(target, { mode: PRIVATE_DIR_MODE });
    for (const name of await fsp.readdir(dir)) {
      if (name === TASK_FILES.history) continue;
      await fsp.rename(path.join(dir, name), path.join(target, name));
    }
    return target;
  }

  /** Puts an archived run back (a re-run that failed to start must not hide the earlier one). */
  async restoreRun(taskId: string, archived: string): Promise<void> {
    const dir = this.layout.taskDir(taskId);
    for (const name of await fsp.readdir(dir)) {
      if (name !== TASK_FILES.history) await fsp.rm(path.join(dir, name), { recursive: true, force: true });
    }
    for (const name of await fsp.readdir(archived))
      await fsp.rename(path.join(archived, name), path.join(dir, name));
    await fsp.rm(archived, { recursive: true, force: true });
  }

  async historyCount(taskId: string): Promise<number> {
    try {
      return (await fsp.readdir(path.join(this.layout.taskDir(taskId), TASK_FILES.history))).length;
    } catch {
      return 0;
    }
  }

  /**
   * Records the task's outcome once. Runner, canceller and crash recovery may race; the first
   * writer wins, later ones get false and leave it alone. The winner then journals the
   * completion (what codex_wait follows) and, last, marks meta.json terminal: a result whose
   * meta still looks active therefore means "journal line possibly missing", which
   * `repairCompletion` fixes.
   */
  async finalize(result: TaskResult, opts: { patienceMs?: number } = {}): Promise<boolean> {
    const deadline = Date.now() + (opts.patienceMs ?? 0);
    let won: boolean;
    for (let attempt = 0; ; attempt++) {
      try {
        won = await this.writeOutcome(result);
        break;
      } catch (err) {
        // A full disk: try again for a while (the runner is patient; observers are not).
        if (!isStorageError(err) || Date.now() > deadline) throw err;
        await sleep(Math.min(5000, 200 * 2 ** attempt));
      }
    }
    if (!won) return false;
    try {
      await this.journalAndMark(result);
      await fsp.rm(this.layout.file(result.task_id, "env"), { force: true });
    } catch (err) {
      // The outcome is recorded; the journal line and meta.json follow when there is space
      // (repairCompletion, run by any observer).
      if (!isStorageError(err)) throw err;
    }
    return true;
  }

  /** result.json, write-once; through the space reserved at dispatch when the disk is full. */
  private async writeOutcome(result: TaskResult): Promise<boolean> {
    const file = (name: TaskFile) => this.layout.file(result.task_id, name);
    try {
      const won = await writeJsonOnce(file("result"), result);
      await fsp.rm(file("reserve"), { force: true });
      return won;
    } catch (err) {
      if (!isStorageError(err)) throw err;
      const viaReserve = await writeOnceFromReserve(file("reserve"), file("pending"), file("result"), result);
      if (viaReserve === undefined) throw err;
      return viaReserve;
    }
  }

  /** Sets aside the space a task's outcome needs (see outcome-reserve.ts). */
  reserveOutcome(taskId: string): Promise<boolean> {
    return createReserve(this.layout.file(taskId, "reserve"));
  }

  /** An outcome its writer could not record (full disk), for an observer to record. */
  pendingOutcome(taskId: string): Promise<TaskResult | undefined> {
    return readPending(this.layout.file(taskId, "pending"), this.mode);
  }

  /**
   * For a result whose meta.json was never marked terminal because its writer died in between.
   * Only results older than `REPAIR_AFTER_MS` qualify: a live writer finishes within
   * milliseconds, and repairing under its feet would journal the completion twice.
   */
  async repairCompletion(taskId: string): Promise<void> {
    const resultFile = this.layout.file(taskId, "result");
    const age = Date.now() - (await fsp.stat(resultFile)).mtimeMs;
    if (age < REPAIR_AFTER_MS) return;
    // A lock of its own: callers may already hold the task lock (dispatch observes the task
    // it is claiming).
    await withLock(path.join(this.layout.locksDir, `repair-${taskId}`), async () => {
      const [meta, result] = await Promise.all([this.readMeta(taskId), this.readResult(taskId)]);
      if (!meta || !result || meta.status === result.status) return;
      if (await this.isJournaled(taskId, meta.created_at)) {
        await this.updateMeta(taskId, (m) => {
          m.status = result.status;
          m.finished_at = result.finished_at;
        });
      } else await this.journalAndMark(result);
    });
  }

  private async isJournaled(taskId: string, createdAt: string): Promise<boolean> {
    const { text } = await readTail(this.layout.completionsFile, 4 * 1024 * 1024);
    const needle = `"task_id":${JSON.stringify(taskId)}`;
    for (const line of text.split("\n")) {
      if (!line.includes(needle)) continue;
      const rec = await checkStoreJson(line, "completion", this.mode);
      const value = rec.ok ? (rec.value as CompletionRecord) : undefined;
      if (value?.task_id === taskId && value.created_at === createdAt) return true;
    }
    return false;
  }

  private async journalAndMark(result: TaskResult): Promise<void> {
    const meta = await this.readMeta(result.task_id);
    const record: CompletionRecord = {
      task_id: result.task_id,
      status: result.status,
      finished_at: result.finished_at,
      created_at: meta?.created_at ?? "",
    };
    await appendLine(this.layout.completionsFile, JSON.stringify(record));
    await this.updateMeta(result.task_id, (m) => {
      m.status = result.status;
      m.finished_at = result.finished_at;
    });
  }
}

/** A cached read the caller may change (updateMeta does) without changing the cache. */
function copyRead(read: Validated<TaskMeta>): Validated<TaskMeta> {
  return read.ok ? { ok: true, value: { ...read.value } } : read;
}
