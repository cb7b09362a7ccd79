/**
 * A process identity that survives pid reuse: the pid plus its start time (from /proc/<pid>/stat
 * on Linux, `ps -o lstart=` elsewhere). A type of its own so task records can hold one without
 * depending on the code that reads it (src/proc/liveness.ts).
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly start: string;
}
