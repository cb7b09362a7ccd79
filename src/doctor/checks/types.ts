export interface Check {
  readonly name: string;
  readonly status: "ok" | "info" | "warn" | "fail";
  readonly detail: string;
  readonly fix?: string;
}

/** Receives each check as soon as it is known (doctor prints them as they come). */
export type CheckSink = (check: Check) => void;
