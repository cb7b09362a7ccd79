import type { HostConfig } from "../../config/schema.js";
import type { Settings } from "../../config/settings.js";
import type { DoctorReply, ProgramReport } from "../../hosts/ssh/protocol.js";
import { RemoteCodexmcp } from "../../hosts/ssh/remote-client.js";
import { SshUnreachable } from "../../hosts/ssh/ssh.js";
import { errorMessage } from "../../util/errors.js";
import type { Check, CheckSink } from "./types.js";

/**
 * Each configured remote host, asked over ssh as a dispatch would ask it: reachable, the same
 * codexmcp version, and what its tasks need there — tmux, git and the agent this server's tasks
 * run. A host that does not answer is a warning (it may be asleep; its tasks keep running there
 * and show host_unreachable_since); one that answers but cannot take tasks is a failure.
 */
export async function hostChecks(settings: Settings, emit: CheckSink): Promise<void> {
  const pending = settings.hosts.map((host) => checkHost(settings, host));
  for (const checks of pending) for (const check of await checks) emit(check);
}

async function checkHost(settings: Settings, host: HostConfig): Promise<Check[]> {
  const name = `host ${host.name}`;
  const remote = new RemoteCodexmcp(host, settings.home);
  let hello: Awaited<ReturnType<RemoteCodexmcp["hello"]>>;
  try {
    hello = await remote.hello();
  } catch (err) {
    if (err instanceof SshUnreachable)
      return [
        {
          name,
          status: "warn",
          detail: `${err.message}; no task can be sent there until it answers (tasks already there go on, shown running with host_unreachable_since)`,
          fix: `check that \`ssh ${host.ssh} true\` works from this machine without a prompt (the host is up, your key is loaded, its key is in known_hosts); codexmcp hosts asks again`,
        },
      ];
    return [
      {
        name,
        status: "fail",
        detail: errorMessage(err),
        fix: `tasks sent to ${host.name} are refused until this is fixed`,
      },
    ];
  }
  const checks: Check[] = [
    {
      name,
      status: "ok",
      detail: `reachable over ssh (${host.ssh}); codexmcp ${hello.codexmcp}, the same as here; load ${(hello.load[0] ?? 0).toFixed(2)} on ${hello.cpus} cpus, ${hello.running} running, ${hello.queued} queued`,
    },
  ];
  let report: DoctorReply;
  try {
    report = (
      await remote.call<DoctorReply>("doctor", { agents: [settings.defaultAgent] }, { timeoutMs: 180_000 })
    ).header;
  } catch (err) {
    checks.push({
      name: `${name} tools`,
      status: err instanceof SshUnreachable ? "warn" : "fail",
      detail: `could not ask it for its tmux, git and agent: ${errorMessage(err)}`,
      fix: "run codexmcp doctor again",
    });
    return checks;
  }
  const where = `on ${host.name} (PATH of an ssh command there: ${report.path_env || "empty"})`;
  const program = (
    what: string,
    p: ProgramReport | undefined,
    install: string,
    setting: string | undefined,
  ): Check => {
    const label = `${name} ${what}`;
    if (p?.path && p.version) return { name: label, status: "ok", detail: `${p.version} (${p.path})` };
    if (p?.path)
      return {
        name: label,
        status: "fail",
        detail: `${p.path} is there but does not answer: ${p.error ?? "no version"}`,
        fix: `reinstall it there (${install})`,
      };
    return {
      name: label,
      status: "fail",
      detail: `"${p?.looked_for ?? what}" not found ${where}; tasks sent there cannot run`,
      fix: `install it there (${install})${setting ? `, or set ${setting} to its path in ${hello.home}/config.yaml on ${host.name}` : " on the PATH ssh commands get there"}`,
    };
  };
  checks.push(program("tmux", report.tmux, "apt-get install tmux / brew install tmux", "tmux_bin"));
  checks.push(program("git", report.git, "apt-get install git / brew install git", undefined));
  const agent = settings.defaultAgent;
  checks.push(
    program(
      agent,
      report.agents[agent],
      agent === "codex" ? "npm install -g @openai/codex" : `see the README's Agents section for ${agent}`,
      `agents.${agent}.bin`,
    ),
  );
  return checks;
}
