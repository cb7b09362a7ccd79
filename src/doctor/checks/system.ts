import { execa } from "execa";
import type { Settings } from "../../config/settings.js";
import { Tmux } from "../../hosts/tmux/tmux.js";
import { which } from "../../util/which.js";
import type { Check } from "./types.js";

export async function version(
  bin: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const r = await execa(bin, args, {
    reject: false,
    stdin: "ignore",
    timeout: 15_000,
    ...(env ? { env } : {}),
  });
  return r.exitCode === 0 ? String(r.stdout).trim().split("\n")[0] : undefined;
}

export function nodeCheck(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= 20
    ? { name: "node", status: "ok", detail: `v${process.versions.node}` }
    : {
        name: "node",
        status: "fail",
        detail: `v${process.versions.node}`,
        fix: "install Node.js 20 or newer",
      };
}

export async function gitCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  const git = which("git", env);
  return git
    ? { name: "git", status: "ok", detail: (await version(git, ["--version"])) ?? git }
    : {
        name: "git",
        status: "fail",
        detail: "not found on PATH",
        fix: "install git (full-access tasks need it for their worktrees)",
      };
}

export async function tmuxCheck(settings: Settings, env: NodeJS.ProcessEnv): Promise<Check> {
  const tmuxPath = which(settings.tmuxBin, env);
  if (!tmuxPath)
    return {
      name: "tmux",
      status: "fail",
      detail: `"${settings.tmuxBin}" not found`,
      fix: "install tmux (apt-get install tmux / brew install tmux); full-access tasks run in it",
    };
  const v = (await version(tmuxPath, ["-V"])) ?? "?";
  const tmux = new Tmux(tmuxPath, settings.tmuxSocket);
  const r = await execa(tmuxPath, [...tmux.socketArgs(), "list-sessions"], {
    reject: false,
    stdin: "ignore",
  });
  const socketOk = r.exitCode === 0 || /no server running|error connecting/.test(String(r.stderr));
  const where = settings.tmuxSocket ? `socket ${settings.tmuxSocket}` : "default server";
  const old = /^tmux (\d+)/.exec(v)?.[1];
  if (!socketOk)
    return {
      name: "tmux",
      status: "fail",
      detail: `${v}; ${where}: ${String(r.stderr).trim()}`,
      fix: "check the socket's permissions or CODEXMCP_TMUX_SOCKET",
    };
  if (old && Number(old) < 3)
    return {
      name: "tmux",
      status: "warn",
      detail: `${v} is older than 3.0`,
      fix: "upgrade tmux to 3.0 or newer",
    };
  return {
    name: "tmux",
    status: "ok",
    detail: `${v}; ${where} ${r.exitCode === 0 ? "reachable" : "(not running yet; starts with the first task)"}`,
  };
}
