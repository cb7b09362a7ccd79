import net from "node:net";

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The lowest port in [from, to] that no running task holds and nothing is listening on, or undefined. */
export async function allocatePort(
  from: number,
  to: number,
  taken: ReadonlySet<number>,
): Promise<number | undefined> {
  for (let port = from; port <= to; port++) {
    if (taken.has(port)) continue;
    if (await bindable(port)) return port;
  }
  return undefined;
}
