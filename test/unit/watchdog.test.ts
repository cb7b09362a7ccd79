import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { codexDriver } from "../../src/agents/codex/driver.js";
import type { AgentEvent } from "../../src/core/agent-events.js";
import { RunSummary } from "../../src/core/summary.js";
import { Stopper } from "../../src/runner/stopper.js";
import { Watchdog } from "../../src/runner/watchdog.js";

function setup(limits: { unreachableSeconds: number; stallSeconds: number }) {
  const stopper = new Stopper();
  const summary = new RunSummary();
  const dog = new Watchdog(limits, codexDriver, stopper);
  dog.start();
  const push = (e: AgentEvent) => {
    summary.push(e);
    dog.output();
    dog.event(e, summary);
  };
  return { stopper, push, dog };
}

const netRetry: AgentEvent = {
  kind: "retry",
  message: "Reconnecting... waiting for network (Connection failed)",
  cause: "network",
};

describe("the runner's watchdog", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fails at once on a retry the agent says is refused credentials", () => {
    const { stopper, push } = setup({ unreachableSeconds: 180, stallSeconds: 0 });
    push({ kind: "retry", message: "Reconnecting... 1/5 (401 Unauthorized)", attempt: 1, cause: "auth" });
    expect(stopper.reason).toBe("unreachable");
    expect(stopper.detail).toMatch(
      /^Codex is not logged in or its credentials were refused: run `codex login`/,
    );
  });

  it("fails a retry streak once it has lasted the bound, however far apart the retries are", () => {
    const { stopper, push } = setup({ unreachableSeconds: 60, stallSeconds: 0 });
    push(netRetry);
    vi.advanceTimersByTime(40_000);
    push(netRetry);
    vi.advanceTimersByTime(19_000);
    expect(stopper.reason).toBeUndefined();
    vi.advanceTimersByTime(2_000);
    expect(stopper.reason).toBe("unreachable");
    expect(stopper.detail).toMatch(
      /^Codex cannot reach its model provider: Reconnecting\.\.\. waiting for network/,
    );
    expect(stopper.detail).toContain("limit CODEXMCP_UNREACHABLE_TIMEOUT 1m00s");
  });

  it("real progress ends a streak; errors and usage do not", () => {
    const { stopper, push } = setup({ unreachableSeconds: 60, stallSeconds: 0 });
    push(netRetry);
    vi.advanceTimersByTime(30_000);
    push({ kind: "error", message: "transient", fatal: false });
    push({ kind: "usage", usage: { input_tokens: 1 } });
    vi.advanceTimersByTime(31_000);
    expect(stopper.reason).toBe("unreachable");

    const second = setup({ unreachableSeconds: 60, stallSeconds: 0 });
    second.push(netRetry);
    vi.advanceTimersByTime(30_000);
    second.push({ kind: "message", text: "answer" });
    vi.advanceTimersByTime(120_000);
    expect(second.stopper.reason).toBeUndefined();
  });

  it("the stall limit counts from the last output and names the last activity; 0 disables both", () => {
    const { stopper, push } = setup({ unreachableSeconds: 0, stallSeconds: 10 });
    push({ kind: "command", phase: "started", command: "npm test" });
    vi.advanceTimersByTime(9_000);
    push({ kind: "reasoning", text: "thinking" });
    vi.advanceTimersByTime(9_000);
    expect(stopper.reason).toBeUndefined();
    vi.advanceTimersByTime(2_000);
    expect(stopper.reason).toBe("stalled");
    expect(stopper.detail).toMatch(
      /^Codex printed nothing for 10s and was stopped \(stall limit CODEXMCP_STALL_TIMEOUT\); its last activity: /,
    );

    const off = setup({ unreachableSeconds: 0, stallSeconds: 0 });
    off.push(netRetry);
    vi.advanceTimersByTime(24 * 3600_000);
    expect(off.stopper.reason).toBeUndefined();
  });
});
