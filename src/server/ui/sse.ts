import type http from "node:http";
import { SECURITY_HEADERS } from "./respond.js";

/** One server-sent-events stream: named events of JSON data, a comment every 15 s to keep it open. */
export class SseStream {
  private readonly ping: NodeJS.Timeout;
  closed = false;

  constructor(
    private readonly res: http.ServerResponse,
    onClose: () => void,
  ) {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
    });
    res.write(": codexmcp\n\n");
    this.ping = setInterval(() => this.res.write(": ping\n\n"), 15_000);
    this.ping.unref();
    res.on("close", () => {
      this.closed = true;
      clearInterval(this.ping);
      onClose();
    });
  }

  send(event: string, data: unknown): void {
    if (this.closed) return;
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    this.res.end();
  }
}
