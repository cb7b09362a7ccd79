import { appendFileSync } from "node:fs";

/**
 * Diagnostics go to stderr (the stdio server's stdout is the protocol) and, with --debug,
 * to a log file as well.
 */
let debugFile: string | undefined;
let quiet = false;

export function setDebugLogFile(file: string | undefined): void {
  debugFile = file;
}

export function setQuiet(value: boolean): void {
  quiet = value;
}

function write(level: string, message: string, toStderr: boolean): void {
  const line = `${new Date().toISOString()} ${level} ${message}\n`;
  if (toStderr && !quiet) process.stderr.write(line);
  if (debugFile) {
    try {
      appendFileSync(debugFile, line, { mode: 0o600 });
    } catch {
      // A broken debug log must never break the server.
    }
  }
}

export const log = {
  info: (message: string) => write("INFO", message, true),
  warn: (message: string) => write("WARN", message, true),
  error: (message: string) => write("ERROR", message, true),
  debug: (message: string) => write("DEBUG", message, false),
  get debugFile() {
    return debugFile;
  },
};
