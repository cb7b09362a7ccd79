import { execFile, execFileSync } from "node:child_process";
import { promises as fsp, readdirSync, readFileSync } from "node:fs";
import { sleep } from "../util/time.js";
import { isAlive, type ProcessIdentity, processIdentity } from "./liveness.js";

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
}

const PS_ARGS = ["-A", "-o", "pid=,ppid=,pgid="];
const PS_MAX_BUFFER = 16 * 1024 * 1024;

function listProcesses(): Proc[] {
  let out: string;
  try {
    out = execFileSync("ps", PS_ARGS, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: PS_MAX_BUFFER,
    });
  } catch {
    return [];
  }
  return parsePs(out);
}

/** The process table without blocking the event loop (a server answers other calls meanwhile). */
function listProcessesAsync(): Promise<Proc[]> {
  return new Promise((resolve) => {
    execFile("ps", PS_ARGS, { encoding: "utf8", maxBuffer: PS_MAX_BUFFER }, (err, out) =>
      resolve(err ? [] : parsePs(out)),
    );
  });
}

function parsePs(out: string): Proc[] {
  const procs: Proc[] = [];
  for (const line of out.split("\n")) {
    const [pid, ppid, pgid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined && pgid !== undefined && !Number.isNaN(ppid))
      procs.push({ pid, ppid, pgid });
  }
  return procs;
}

/** The pids of `roots` and every process below them, plus members of their process groups. */
export function descendants(roots: readonly number[], procs: readonly Proc[] = listProcesses()): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  const stack = roots.filter((r) => r > 0);
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (found.has(pid)) continue;
    found.add(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  const groups = new Set<number>();
  for (const p of procs) if (found.has(p.pid) && p.pgid === p.pid) groups.add(p.pgid);
  for (const p of procs) if (groups.has(p.pgid)) found.add(p.pid);
  return found;
}

/**
 * Processes whose environment carries `NAME=value` (Linux only). Every process a task starts
 * inherits the task's tag, so this finds even those that left the tree (daemonised,
 * re-parented to init after their parent died).
 */
export function taggedProcesses(name: string, value: string): Set<number> {
  return scanTagged(name, value).found;
}

/** Rounds of looking for processes started during the scan before `settled` is given up. */
const SETTLE_ROUNDS = 4;

/**
 * The tagged processes, read synchronously; `settled` when /proc listed no process the scan had
 * not read by the time it ended. A tagged process can escape a scan only by being started after
 * /proc was listed (one alive when its environ was read is found), so with nothing found and the
 * scan settled, no tagged process is alive and none can start: every parent it could have is gone.
 */
export function scanTagged(name: string, value: string): { found: Set<number>; settled: boolean } {
  const found = new Set<number>();
  const needle = Buffer.from(`${name}=${value}\0`);
  const inside = Buffer.concat([Buffer.from("\0"), needle]);
  const seen = new Set<string>();
  for (let round = 0; round <= SETTLE_ROUNDS; round++) {
    let entries: string[];
    try {
      entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e) && !seen.has(e));
    } catch {
      return { found, settled: false };
    }
    if (round > 0 && entries.length === 0) return { found, settled: true };
    for (const entry of entries) {
      seen.add(entry);
      const pid = Number(entry);
      if (pid === process.pid) continue;
      try {
        const environ = readFileSync(`/proc/${entry}/environ`);
        if (environ.indexOf(needle) === 0 || environ.indexOf(inside) >= 0) found.add(pid);
      } catch {
        // gone, or not ours
      }
    }
  }
  return { found, settled: false };
}

/** How many /proc/<pid>/environ reads run at once in the asynchronous scan. */
const ENVIRON_READS_AT_ONCE = 32;

/** `taggedProcesses` without blocking the event loop: the reads are asynchronous, in batches. */
export async function taggedProcessesAsync(name: string, value: string): Promise<Set<number>> {
  const found = new Set<number>();
  let entries: string[];
  try {
    entries = (await fsp.readdir("/proc")).filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid);
  } catch {
    return found;
  }
  const needle = Buffer.from(`${name}=${value}\0`);
  const inside = Buffer.concat([Buffer.from("\0"), needle]);
  for (let i = 0; i < entries.length; i += ENVIRON_READS_AT_ONCE) {
    await Promise.all(
      entries.slice(i, i + ENVIRON_READS_AT_ONCE).map(async (entry) => {
        const environ = await fsp.readFile(`/proc/${entry}/environ`).catch(() => undefined);
        if (environ && (environ.indexOf(needle) === 0 || environ.indexOf(inside) >= 0))
          found.add(Number(entry));
      }),
    );
  }
  return found;
}

function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export interface KillTreeOptions {
  /** Root processes, by identity so a reused pid is never mistaken for the task's. */
  readonly roots: readonly ProcessIdentity[];
  /** Environment tag shared by all processes of the task. */
  readonly tag?: { readonly name: string; readonly value: string };
  /** Time between SIGTERM and SIGKILL. */
  readonly graceMs?: number;
  /** Pids never to signal (e.g. the caller itself when it is part of the tree). */
  readonly spare?: readonly number[];
  /**
   * The caller's event loop serves nothing else meanwhile (a runner whose agent has exited): the
   * process table is then read synchronously, in about half the time of the batched reads.
   */
  readonly mayBlock?: boolean;
}

/**
 * The whole tree: the process table (ps) and the tag scan, off the event loop and at once unless
 * `mayBlock`. `settled` (only synchronously, with no live root) when the scan proves that nothing
 * it missed can still exist (`scanTagged`).
 */
async function collect(opts: KillTreeOptions): Promise<{ pids: Set<number>; settled: boolean }> {
  const liveRoots = opts.roots.filter(isAlive).map((r) => r.pid);
  const { tag } = opts;
  let procs: Proc[];
  let tagged = new Set<number>();
  let settled = false;
  if (opts.mayBlock) {
    procs = liveRoots.length > 0 ? listProcesses() : [];
    if (tag) ({ found: tagged, settled } = scanTagged(tag.name, tag.value));
    settled &&= liveRoots.length === 0;
  } else {
    [procs, tagged] = await Promise.all([
      liveRoots.length > 0 ? listProcessesAsync() : Promise.resolve([]),
      tag ? taggedProcessesAsync(tag.name, tag.value) : Promise.resolve(tagged),
    ]);
  }
  const pids = liveRoots.length > 0 ? descendants(liveRoots, procs) : new Set<number>();
  for (const pid of tagged) pids.add(pid);
  for (const pid of opts.spare ?? []) pids.delete(pid);
  pids.delete(process.pid);
  return { pids, settled };
}

/**
 * SIGTERM the whole tree, wait up to `graceMs`, then SIGKILL whatever is left (collected again,
 * so processes started or re-parented meanwhile are caught). The tree is collected before any
 * signal is sent: killing a parent first would let its children escape to init.
 * While waiting, only the processes signalled are polled (one /proc read each); the whole tree
 * is collected again only once they are all gone, and never synchronously: a server cancelling a
 * task keeps answering its other calls. Returns how many processes were found.
 */
export async function killTree(opts: KillTreeOptions): Promise<number> {
  const { pids: first, settled } = await collect(opts);
  if (first.size === 0 && settled) return 0;
  const identities = [...first].map((pid) => processIdentity(pid)).filter((p) => p !== null);
  signalAll(first, "SIGTERM");
  const deadline = Date.now() + (opts.graceMs ?? 3000);
  const allGone = async () => identities.every((id) => !isAlive(id)) && (await collect(opts)).pids.size === 0;
  // Collected again even when the first look found nothing (unless it settled): a child forked
  // by a process that exited while /proc was being read escapes one look, not the next. Once
  // all is gone the answer stands (the old loop asked a third time for nothing).
  let gone = await allGone();
  while (!gone && Date.now() < deadline) {
    await sleep(50);
    gone = await allGone();
  }
  for (let round = 0; round < 10 && !gone; round++) {
    const left = (await collect(opts)).pids;
    for (const id of identities) if (isAlive(id)) left.add(id.pid);
    for (const pid of opts.spare ?? []) left.delete(pid);
    signalAll(left, "SIGKILL");
    await sleep(50);
    gone = await allGone();
  }
  return first.size;
}
