import { z } from "zod";

/** Names handed to codex as option values: never empty, never option-looking. */
export const optionValue = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(128, `${what} is too long (128 characters at most)`)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/,
      `${what} must start with a letter or digit and contain only letters, digits and . _ : / @ + -`,
    );

export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;
export const reasoningEffort = z.enum(REASONING_EFFORTS, {
  message: `reasoning_effort must be one of ${REASONING_EFFORTS.join(", ")}`,
});

export { SANDBOXES, type Sandbox } from "../core/sandbox.js";

export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
