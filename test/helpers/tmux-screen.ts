import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Sandbox } from "./sandbox.js";
import { SERVER_BIN } from "./sandbox.js";
import { until } from "./wait.js";

/**
 * A terminal for interactive tests: a tmux server on a private socket (never the user's), keys
 * sent with send-keys, the screen read back with capture-pane.
 */
export class TmuxScreen {
  constructor(readonly socket: string) {}

  tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  screen(name: string): string {
    return this.tmux("capture-pane", "-p", "-t", `=${name}:`);
  }

  keys(name: string, ...k: string[]): void {
    this.tmux("send-keys", "-t", `=${name}:`, ...k);
  }

  alive(name: string): boolean {
    try {
      this.tmux("has-session", "-t", `=${name}`);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits until the screen shows `what`; the screen as it was when it did. */
  showing(name: string, what: string | RegExp, ms = 30_000): Promise<string> {
    let last = "";
    return until(
      `"${String(what)}" on the screen`,
      async () => {
        last = this.screen(name);
        return (typeof what === "string" ? last.includes(what) : what.test(last)) ? last : undefined;
      },
      ms,
      150,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the screen shows:\n${last}`);
    });
  }

  /**
   * `codexmcp watch` in a new session `name` of `width`×`height`, with the sandbox's environment;
   * its raw output (colours, bells) is copied to the file returned.
   */
  startWatch(sb: Sandbox, name: string, extra: Record<string, string> = {}, size = ["140", "30"]): string {
    const vars = Object.entries({ ...sb.env(), ...extra }).filter(
      ([k]) =>
        k.startsWith("CODEX") ||
        k === "PATH" ||
        k === "HOME" ||
        k === "NO_COLOR" ||
        k.startsWith("GIT_") ||
        k === "TERM",
    );
    this.tmux(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      size[0] ?? "140",
      "-y",
      size[1] ?? "30",
      "--",
      "env",
      ...vars.map(([k, v]) => `${k}=${v}`),
      process.execPath,
      SERVER_BIN,
      "watch",
      "--interval",
      "0.3",
    );
    const raw = path.join(sb.root, `${name}.raw`);
    this.tmux("pipe-pane", "-o", "-t", `=${name}:`, `cat >> '${raw}'`);
    return raw;
  }

  kill(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // not running
    }
  }
}
