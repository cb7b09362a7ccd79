/**
 * A person watching a task in its tmux pane (codexmcp attach) may press Ctrl-C out of habit; with
 * the terminal's usual settings that would send SIGINT to the runner and the agent and stop the
 * task. The pane's terminal is put in raw mode instead — keys are just input, no signals — and
 * Ctrl-C, Ctrl-\ or Ctrl-Z print how to detach and how to cancel.
 */
export function guardPane(taskId: string, stdin: NodeJS.ReadStream = process.stdin): void {
  if (!stdin.isTTY) return;
  try {
    stdin.setRawMode(true);
  } catch {
    return; // not a terminal after all
  }
  stdin.on("data", (key: Buffer) => {
    if (key.includes(3) || key.includes(0x1c) || key.includes(0x1a))
      process.stdout.write(
        `\\r\\nCtrl-C does not stop this task. Detach: Ctrl-b d. Cancel it: codexmcp cancel ${taskId}\\r\\n`,
      );
  });
  stdin.resume();
  // Reading stdin must not keep a finished runner alive.
  stdin.unref?.();
}
