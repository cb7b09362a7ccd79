import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A local webhook receiver: answers each request with the next status of `answers` (then 200). */
export async function receiver(answers: number[] = []) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(answers.shift() ?? 200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    got,
    /** The bodies received, parsed. */
    bodies: () => got.map((g) => JSON.parse(g.body) as Record<string, unknown>),
    url: `http://127.0.0.1:${port}/hooks/T0K3N-in-the-path?key=secret-query`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A URL nothing listens on. */
export async function deadUrl(): Promise<string> {
  const r = await receiver();
  await r.close();
  return r.url;
}
