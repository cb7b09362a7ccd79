import type http from "node:http";
import { StringDecoder } from "node:string_decoder";
import { isTerminal } from "../../core/types.js";
import type { TaskManager } from "../../tasks/manager.js";
import { errorMessage } from "../../util/errors.js";
import { openReadNoFollow } from "../../util/tail.js";
import { SseStream } from "./sse.js";

/** What one transcript request returns at most: the page shows the end, and earlier on demand. */
export const TRANSCRIPT_PAGE_BYTES = 256 * 1024;
/** What one streamed chunk carries at most. */
const STREAM_CHUNK_BYTES = 512 * 1024;

export interface TranscriptPage {
  readonly text: string;
  /** Byte offset of the first byte of `text` (0: the page reaches the start). */
  readonly start: number;
  /** Byte offset just past `text`: where a stream continues. */
  readonly end: number;
  readonly size: number;
}

/** Bytes [from, to) of a file; fewer when it is shorter. */
async function readRange(handle: Awaited<ReturnType<typeof openReadNoFollow>>, from: number, to: number) {
  if (!handle || to <= from) return Buffer.alloc(0);
  const buf = Buffer.alloc(to - from);
  const { bytesRead } = await handle.read(buf, 0, buf.length, from);
  return buf.subarray(0, bytesRead);
}

/**
 * The whole lines of the transcript (codex-exec.log: what the tmux pane shows) that end at or
 * before `before` (default: the end), at most TRANSCRIPT_PAGE_BYTES of them. Byte offsets, so a
 * page and a stream join exactly; the rest of the file is never read.
 */
export async function transcriptPage(
  manager: TaskManager,
  taskId: string,
  before?: number,
): Promise<TranscriptPage> {
  const obs = await manager.observe(taskId);
  const file = await manager.store.readablePath(obs.meta.task_id, "log");
  const handle = await openReadNoFollow(file);
  if (!handle) return { text: "", start: 0, end: 0, size: 0 };
  try {
    const { size } = await handle.stat();
    const to = Math.min(size, before ?? size);
    const from = Math.max(0, to - TRANSCRIPT_PAGE_BYTES);
    const buf = await readRange(handle, from, to);
    // Only whole lines: after the first newline when cut at the front, up to the last one.
    const head = from > 0 ? buf.indexOf(10) + 1 : 0;
    const tail = buf.lastIndexOf(10) + 1;
    if (tail <= head) return { text: "", start: to, end: to, size };
    return {
      text: buf.subarray(head, tail).toString("utf8"),
      start: from + head,
      end: from + tail,
      size,
    };
  } finally {
    await handle.close();
  }
}

/**
 * Streams the transcript from byte `from` on as it grows (`chunk` events of whole lines), and
 * `end` once the task has ended and every line was sent. Polls the file's size twice a second;
 * reads only what is new.
 */
export async function streamTranscript(
  manager: TaskManager,
  taskId: string,
  from: number,
  res: http.ServerResponse,
): Promise<void> {
  const obs = await manager.observe(taskId);
  const id = obs.meta.task_id;
  const file = await manager.store.readablePath(id, "log");
  let stopped = false;
  const stream = new SseStream(res, () => {
    stopped = true;
  });
  const decoder = new StringDecoder("utf8");
  let offset = from;
  let lastStatus = "";
  while (!stopped) {
    const status = (await manager.observe(id)).status;
    if (status !== lastStatus) stream.send("status", { status });
    lastStatus = status;
    const ended = isTerminal(status);
    try {
      for (;;) {
        const handle = await openReadNoFollow(file);
        if (!handle) break;
        let buf: Buffer;
        try {
          const { size } = await handle.stat();
          if (size < offset) offset = 0; // replaced (a new run): start over
          buf = await readRange(handle, offset, Math.min(size, offset + STREAM_CHUNK_BYTES));
        } finally {
          await handle.close();
        }
        const whole = buf.length === STREAM_CHUNK_BYTES ? buf.length : buf.lastIndexOf(10) + 1;
        if (whole <= 0) break;
        offset += whole;
        stream.send("chunk", { text: decoder.write(buf.subarray(0, whole)), end: offset });
        if (whole < STREAM_CHUNK_BYTES) break;
      }
    } catch (err) {
      stream.send("problem", { error: errorMessage(err) });
      stream.end();
      return;
    }
    if (ended) {
      stream.send("end", { status, end: offset });
      stream.end();
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
