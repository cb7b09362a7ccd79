import os from "node:os";
import { versionOf } from "./exec.js";
import { CODEX_BIN, ROOT } from "./paths.js";

export interface MachineInfo {
  readonly cpu_model: string;
  readonly cores: number;
  readonly ram_gib: number;
  readonly os: string;
  readonly node: string;
  readonly git: string;
  readonly tmux: string;
  readonly codex: string;
  readonly commit: string;
  readonly load_average: readonly number[];
  readonly date: string;
}

export async function machineInfo(): Promise<MachineInfo> {
  const [git, tmux, codex, commit] = await Promise.all([
    versionOf("git", ["--version"]),
    versionOf("tmux", ["-V"]),
    versionOf(CODEX_BIN, ["--version"]),
    versionOf("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]),
  ]);
  return {
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    ram_gib: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    git,
    tmux,
    codex,
    commit,
    load_average: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}
