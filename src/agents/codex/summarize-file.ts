import { readHead, readTail } from "../../util/tail.js";
import { parseEventLine } from "./events.js";
import { RunSummary, type RunSummaryData } from "./summary.js";

/**
 * Summary of an events.jsonl without reading all of it: the thread id from its head, the rest
 * from its last megabyte. For tasks whose runner died before writing a result.
 */
export async function summarizeEventsFile(file: string, tailBytes = 1024 * 1024): Promise<RunSummaryData> {
  const summary = new RunSummary();
  const head = await readHead(file, 64 * 1024);
  for (const line of head.split("\n")) {
    const event = parseEventLine(line);
    if (event?.type === "thread.started") {
      summary.push(event);
      break;
    }
  }
  const { text } = await readTail(file, tailBytes);
  for (const line of text.split("\n")) {
    const event = parseEventLine(line);
    if (event) summary.push(event);
  }
  return summary.data();
}
