/**
 * An error whose message is meant for the caller (a model or a person): it says what is wrong
 * and what to do. Tools turn it into `isError: true` results verbatim.
 */
export class UserError extends Error {
  override readonly name = "UserError";
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
}

export function hasErrorCode(err: unknown, ...codes: string[]): boolean {
  return isErrnoException(err) && codes.includes(err.code ?? "");
}
