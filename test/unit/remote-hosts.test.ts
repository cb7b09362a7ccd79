import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings.js";
import { frame, unframe } from "../../src/hosts/ssh/protocol.js";
import { controlDir, remoteWord, SshHostClient, sshDestination } from "../../src/hosts/ssh/ssh.js";

describe("remote hosts: config, ssh argv and framing", () => {
  let home: string;
  beforeEach(async () => {
    home = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
  });
  afterEach(async () => {
    await fsp.rm(home, { recursive: true, force: true });
  });

  const load = async (yaml: string) => {
    await fsp.writeFile(path.join(home, "config.yaml"), yaml);
    return loadSettings({ CODEXMCP_HOME: home });
  };

  it("reads hosts from config.yaml", async () => {
    const s = await load(
      "hosts:\n  - name: box1\n    ssh: me@box1:2222\n    max_parallel: 2\n    env: [OPENAI_API_KEY]\nauto_includes_local: true\n",
    );
    expect(s.hosts).toEqual([
      { name: "box1", ssh: "me@box1:2222", max_parallel: 2, env: ["OPENAI_API_KEY"] },
    ]);
    expect(s.autoIncludesLocal).toBe(true);
  });

  it.each([
    ["an ssh destination that is an option", "hosts:\n  - name: a\n    ssh: -oProxyCommand=x\n", /ssh/],
    ["a destination with a space", "hosts:\n  - name: a\n    ssh: 'a b'\n", /ssh/],
    ["a reserved name", "hosts:\n  - name: auto\n    ssh: a\n", /reserved/],
    ["two hosts of one name", "hosts:\n  - name: a\n    ssh: a\n  - name: a\n    ssh: b\n", /unique/],
    ["an unknown key", "hosts:\n  - name: a\n    ssh: a\n    sshh: b\n", /sshh/],
    [
      "a codexmcp command that is an option",
      "hosts:\n  - name: a\n    ssh: a\n    codexmcp: --x\n",
      /codexmcp/,
    ],
  ])("refuses %s with a sentence", async (_what, yaml, why) => {
    await expect(load(yaml)).rejects.toThrow(why);
  });

  it("user@host:port becomes ssh's -p form; an alias stays as it is", () => {
    expect(sshDestination("me@box:2222")).toEqual(["-p", "2222", "me@box"]);
    expect(sshDestination("box1")).toEqual(["box1"]);
    expect(sshDestination("me@box")).toEqual(["me@box"]);
  });

  it("quotes every remote word so the remote shell reads it as one word", () => {
    const words = ["plain", "it's", "a b", "$(id)", "`x`", ";rm", "~/bin/codexmcp", "~/a b"];
    const line = words.map(remoteWord).join(" ");
    // What a POSIX shell makes of the line is exactly the words (with ~ expanded).
    const out = execFileSync("sh", ["-c", `for w in ${line}; do printf '%s\\n' "$w"; done`], {
      encoding: "utf8",
      env: { ...process.env, HOME: "/h" },
    });
    expect(out.split("\n").slice(0, -1)).toEqual([
      "plain",
      "it's",
      "a b",
      "$(id)",
      "`x`",
      ";rm",
      "/h/bin/codexmcp",
      "/h/a b",
    ]);
  });

  it("builds argv with the shared connection and the user's options; nothing of the request is in it", () => {
    const c = new SshHostClient({ name: "b", ssh: "box", ssh_options: ["-F", "/cfg"] }, home);
    const argv = c.argv(["codexmcp", "remote", "dispatch"]);
    expect(argv.slice(0, 3)).toEqual(["ssh", "-F", "/cfg"]);
    expect(argv).toContain("ControlMaster=no");
    expect(argv.find((a) => a.startsWith("ControlPath="))).toMatch(/\/ssh\/%C$/);
    expect(argv.slice(-3)).toEqual(["box", "--", "codexmcp remote dispatch"]);
    expect(c.commandLine(["tmux", "attach", "-t", "codex-x-v1"])).toBe(
      "ssh -t -F /cfg box -- tmux attach -t codex-x-v1",
    );
  });

  it("control sockets go where the master's temporary socket path still fits (107 bytes)", () => {
    // The master listens on <dir>/<40 hex>.<16 characters> first: 58 bytes after the directory.
    const fits = `/${"h".repeat(41)}`; // + "/ssh" = 46 bytes
    expect(controlDir(fits)).toBe(path.join(fits, "ssh"));
    const long = `/${"h".repeat(42)}`;
    expect(controlDir(long)).toBe(path.join(os.tmpdir(), `codexmcp-ssh-${process.getuid?.()}`));
    expect(Buffer.byteLength(`${controlDir(fits)}/${"0".repeat(40)}.${"x".repeat(16)}`)).toBeLessThanOrEqual(
      107,
    );
  });

  it("a socket directory that is not this user's alone is never used: every call connects on its own", async () => {
    for (const make of [
      async (dir: string) => {
        await fsp.mkdir(dir, { mode: 0o700 });
        await fsp.chmod(dir, 0o777);
      },
      async (dir: string) => {
        const elsewhere = path.join(home, "elsewhere");
        await fsp.mkdir(elsewhere, { mode: 0o700 });
        await fsp.symlink(elsewhere, dir);
      },
    ]) {
      const dir = controlDir(home);
      await fsp.rm(dir, { recursive: true, force: true });
      await make(dir);
      const c = new SshHostClient({ name: "b", ssh: "box" }, home, "/nonexistent/ssh");
      expect(await c.prepare()).toBe(false);
      expect(c.argv(["true"], { shared: false })).toContain("ControlPath=none");
    }
    await fsp.rm(controlDir(home), { recursive: true, force: true });
    const ok = new SshHostClient({ name: "b", ssh: "box" }, home, "/nonexistent/ssh");
    expect(await ok.prepare()).toBe(true);
    expect((await fsp.stat(controlDir(home))).mode & 0o777).toBe(0o700);
  });

  it("frames a JSON line and raw bytes, newline-safe", () => {
    const body = Buffer.from([0, 10, 255, 10]);
    const { header, body: back } = unframe<{ p: string }>(frame({ p: "a\nb" }, body));
    expect(header).toEqual({ p: "a\nb" });
    expect(Buffer.compare(back, body)).toBe(0);
  });
});
