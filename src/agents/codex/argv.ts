/** The sandbox modes of `codex exec -s`. */
export type CodexSandboxMode = "read-only" | "workspace-write" | "danger-full-access";

export interface CodexInvocation {
  readonly runDir: string;
  readonly sandbox: CodexSandboxMode;
  readonly model?: string | undefined;
  readonly profile?: string | undefined;
  readonly reasoningEffort?: string | undefined;
  /** Continue this Codex thread (`codex exec … resume <id> -`). */
  readonly resumeSessionId?: string | undefined;
  /**
   * Extra writable roots for workspace-write: exactly the directories a commit on the task's
   * own branch writes (git/commit-paths.ts), never the repository's config or hooks.
   */
  readonly writableDirs?: readonly string[] | undefined;
}

/**
 * argv for `codex exec --json`. The prompt always travels on stdin (`-`): never in argv, where
 * `ps` would show it, and never mixed with an argument (codex appends piped stdin to it).
 *
 * Every option is a global `exec` option placed before `resume`. `resume` does not take `-s`,
 * and a resumed thread does not keep its sandbox: with 0.169.0 a thread started with
 * danger-full-access resumes read-only unless `-s` is given again. So the mode is always explicit.
 */
export function buildCodexArgs(inv: CodexInvocation): string[] {
  const args = ["exec", "--json", "--skip-git-repo-check", "-C", inv.runDir, "-s", inv.sandbox];
  if (inv.model) args.push("-m", inv.model);
  if (inv.profile) args.push("-p", inv.profile);
  if (inv.reasoningEffort) args.push("-c", `model_reasoning_effort="${inv.reasoningEffort}"`);
  for (const dir of inv.writableDirs ?? []) args.push("--add-dir", dir);
  if (inv.resumeSessionId) args.push("resume", inv.resumeSessionId);
  args.push("-");
  return args;
}
