/**
 * Work a tool started that must finish even if the server is told to stop right after: a client
 * that is interrupted sends `notifications/cancelled` and stops its server a few milliseconds
 * later (Codex: SIGTERM ~20 ms after the cancel), and the cancel of the task must still happen.
 */
const inFlight = new Set<Promise<unknown>>();

export function trackPending<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  const done = () => inFlight.delete(work);
  work.then(done, done);
  return work;
}

/** Resolves once every tracked piece of work has settled, or after `maxMs`. */
export async function settlePending(maxMs: number): Promise<void> {
  if (inFlight.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...inFlight]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    }),
  ]);
  clearTimeout(timer);
}
