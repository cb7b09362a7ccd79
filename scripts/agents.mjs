#!/usr/bin/env node
// Installs the pinned agent CLIs (scripts/agent-versions.json) on demand, into a cache outside the
// repository: they are hundreds of MB each, so they are not devDependencies.
//
//   node scripts/agents.mjs install [--json] [name[@version] …]   (default: every pinned version)
//   node scripts/agents.mjs path <name>[@version]                 absolute bin path (installed or not)
//   node scripts/agents.mjs list [--json]                         pins and what is installed
//
// Cache: $CODEXMCP_AGENTS_CACHE, else $XDG_CACHE_HOME/codexmcp/agents, else ~/.cache/codexmcp/agents.
// One npm prefix per <package>@<version>. An install goes into a temp dir beside it and is renamed
// into place only after the binary answered --version; `.complete.json` in the prefix says it is
// whole, so a crash mid-install never leaves a prefix that looks installed. A lock dir
// (<prefix>.lock, made with mkdir, which is atomic) serialises installers of the same prefix: a
// second caller (another test worker) waits for the first and then finds it complete. An installed
// prefix costs no npm call. A lock whose owner process died is taken over.
//
// Install scripts: npm 11 still runs unreviewed install scripts but warns that a future release will
// block them. Installs here run with --ignore-scripts, then `npm rebuild` runs the scripts of just the
// packages listed in allowScripts (allowScripts/denyScripts also go into the prefix's package.json for
// npm's own policy). Checked by installing without scripts and running the binary:
//   claude    needs its postinstall: it puts the native binary in place of the bin/claude.exe stub.
//   opencode  needs its postinstall (opencode-ai links its platform binary; without it: "postinstall
//             script was not run").
//   gemini    node-pty and @github/keytar want `node-gyp rebuild`; not needed (headless shell commands
//             run without a pty, the API key comes from the environment), so denied.
//   codex, copilot, qwen: no install scripts.
//
// Copilot: the npm package is a launcher for a native binary that, on first run, unpacks its JS payload
// (~235 MB) under $COPILOT_PKG_CACHE_HOME/pkg/<platform>/<version> (default: $COPILOT_CACHE_HOME, else
// the per-HOME cache dir). A test with a fresh HOME would pay that on every run. The install's version
// check unpacks it once into <prefix>/copilot-cache; run Copilot with COPILOT_PKG_CACHE_HOME set to that
// dir (`list --json` prints it as pkgCacheHome) to share it. Copilot unpacks into a temp dir and renames,
// so concurrent runs are safe.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { acquireLock } from "./agents-lock.mjs";

const PINS = JSON.parse(fs.readFileSync(new URL("./agent-versions.json", import.meta.url), "utf8")).agents;
const MARKER = ".complete.json";

export function cacheRoot(env = process.env) {
  if (env.CODEXMCP_AGENTS_CACHE) return path.resolve(env.CODEXMCP_AGENTS_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
  return path.join(base, "codexmcp", "agents");
}

/** `name`, `name@version` → the pin, its prefix and bin path. Throws on an unknown name or version. */
export function resolveSpec(spec, root = cacheRoot()) {
  const at = spec.indexOf("@", 1);
  const name = at > 0 ? spec.slice(0, at) : spec;
  const pin = PINS[name];
  if (!pin) throw new Error(`unknown agent "${name}" (known: ${Object.keys(PINS).join(", ")})`);
  const version = at > 0 ? spec.slice(at + 1) : pin.default;
  if (!pin.versions.includes(version)) {
    throw new Error(`${name}@${version} is not pinned (pinned: ${pin.versions.join(", ")})`);
  }
  const dir = path.join(root, `${pin.package.replace("/", "+")}@${version}`);
  return {
    name,
    version,
    package: pin.package,
    allowScripts: pin.allowScripts ?? [],
    denyScripts: pin.denyScripts ?? [],
    dir,
    bin: path.join(dir, "node_modules", ".bin", pin.bin),
  };
}

/** The shared COPILOT_PKG_CACHE_HOME: where Copilot's payload was unpacked once, at install time. */
export function copilotPkgCacheHome(target) {
  return path.join(target.dir, "copilot-cache");
}

export function readMarker(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8"));
  } catch {
    return undefined;
  }
}

function run(cmd, args, opts) {
  const result = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (result.error) throw result.error;
  return result;
}

function diskUsage(dir) {
  let total = 0;
  const seen = new Set();
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      const st = fs.lstatSync(p);
      if (seen.has(st.ino)) continue; // hard links (Claude's postinstall links its binary) count once
      seen.add(st.ino);
      total += st.blocks * 512;
      if (entry.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return total;
}

/** Runs the freshly installed bin once: proves it works and lets Copilot unpack into the shared cache. */
function checkBinary(target, prefix, log) {
  const bin = path.join(prefix, "node_modules", ".bin", path.basename(target.bin));
  const home = fs.mkdtempSync(path.join(prefix, ".check-home-"));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local/share"),
    XDG_STATE_HOME: path.join(home, ".local/state"),
    COPILOT_PKG_CACHE_HOME: copilotPkgCacheHome({ dir: prefix }),
    NO_UPDATE_NOTIFIER: "1",
    DISABLE_AUTOUPDATER: "1",
  };
  const result = run(bin, ["--version"], { env, timeout: 180_000, stdio: ["ignore", "pipe", "pipe"] });
  fs.rmSync(home, { recursive: true, force: true });
  const out = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !out.includes(target.version)) {
    throw new Error(
      `${target.name}@${target.version}: "${bin} --version" failed (exit ${result.status}): ${out}`,
    );
  }
  if (target.name === "copilot") {
    const payload = path.join(copilotPkgCacheHome({ dir: prefix }), "pkg");
    if (!fs.existsSync(payload)) throw new Error(`copilot did not unpack its payload into ${payload}`);
  }
  log(`${target.name}@${target.version}: ${out.trim().split("\n")[0]}`);
}

function npmInstall(target, prefix, log) {
  const manifest = {
    name: "codexmcp-agent-cache",
    private: true,
    description: `${target.package}@${target.version}, installed by codexmcp scripts/agents.mjs`,
    dependencies: { [target.package]: target.version },
    allowScripts: Object.fromEntries([
      ...target.allowScripts.map((pkg) => [pkg, true]),
      ...target.denyScripts.map((pkg) => [pkg, false]),
    ]),
  };
  fs.writeFileSync(path.join(prefix, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const common = ["--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error"];
  const opts = { cwd: prefix, stdio: ["ignore", "pipe", "pipe"] };
  log(`${target.name}@${target.version}: npm install ${target.package}@${target.version}`);
  let result = run("npm", ["install", "--ignore-scripts", ...common], opts);
  if (result.status !== 0) throw new Error(`npm install failed (exit ${result.status}):\n${result.stderr}`);
  if (target.allowScripts.length > 0) {
    result = run("npm", ["rebuild", ...target.allowScripts, ...common], opts);
    if (result.status !== 0) throw new Error(`npm rebuild failed (exit ${result.status}):\n${result.stderr}`);
  }
}

/**
 * Installs one pinned CLI unless it already is. Returns {bin, fresh, ms, sizeBytes}.
 * `log` receives progress lines (stderr in the CLI).
 */
export function install(spec, { root = cacheRoot(), log = () => {} } = {}) {
  const target = resolveSpec(spec, root);
  const done = readMarker(target.dir);
  if (done) return { ...target, fresh: false, ms: done.installMs, sizeBytes: done.sizeBytes };
  fs.mkdirSync(root, { recursive: true });
  const release = acquireLock(target.dir, log);
  try {
    const raced = readMarker(target.dir);
    if (raced) return { ...target, fresh: false, ms: raced.installMs, sizeBytes: raced.sizeBytes };
    const base = path.basename(target.dir);
    // Leftovers of a crashed install of this prefix (we hold its lock, so nobody is using them).
    for (const entry of fs.readdirSync(root)) {
      if (entry.startsWith(`.tmp-${base}-`))
        fs.rmSync(path.join(root, entry), { recursive: true, force: true });
    }
    fs.rmSync(target.dir, { recursive: true, force: true }); // a prefix without its marker is not whole
    const started = Date.now();
    const temp = path.join(root, `.tmp-${base}-${process.pid}-${randomBytes(4).toString("hex")}`);
    fs.mkdirSync(temp);
    try {
      npmInstall(target, temp, log);
      checkBinary(target, temp, log);
      const installMs = Date.now() - started;
      const sizeBytes = diskUsage(temp);
      const marker = { package: target.package, version: target.version, installMs, sizeBytes };
      fs.writeFileSync(
        path.join(temp, MARKER),
        `${JSON.stringify({ ...marker, at: new Date().toISOString() })}\n`,
      );
      try {
        fs.renameSync(temp, target.dir);
      } catch (error) {
        // Only if the lock was broken: another installer put a whole prefix in place first.
        if (!readMarker(target.dir)) throw error;
        fs.rmSync(temp, { recursive: true, force: true });
        return { ...target, fresh: false, ms: installMs, sizeBytes };
      }
      return { ...target, fresh: true, ms: installMs, sizeBytes };
    } catch (error) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  } finally {
    release();
  }
}

/** Every pinned version, with its install state. */
export function list(root = cacheRoot()) {
  return Object.entries(PINS).flatMap(([name, pin]) =>
    pin.versions.map((version) => {
      const target = resolveSpec(`${name}@${version}`, root);
      const marker = readMarker(target.dir);
      return {
        name,
        package: pin.package,
        version,
        default: version === pin.default,
        bin: target.bin,
        installed: Boolean(marker),
        ...(marker ? { installMs: marker.installMs, sizeBytes: marker.sizeBytes } : {}),
        ...(name === "copilot" ? { pkgCacheHome: copilotPkgCacheHome(target) } : {}),
      };
    }),
  );
}

function allSpecs() {
  return Object.entries(PINS).flatMap(([name, pin]) => pin.versions.map((v) => `${name}@${v}`));
}

function main(argv) {
  const [command, ...rest] = argv;
  const json = rest.includes("--json");
  const names = rest.filter((a) => !a.startsWith("--"));
  const log = (line) => process.stderr.write(`agents: ${line}\n`);
  if (command === "install") {
    const results = (names.length > 0 ? names : allSpecs()).map((spec) => install(spec, { log }));
    if (json) {
      const rows = results.map(({ name, version, bin, fresh, dir }) => ({
        name,
        version,
        bin,
        fresh,
        ...(name === "copilot" ? { pkgCacheHome: copilotPkgCacheHome({ dir }) } : {}),
      }));
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else {
      for (const r of results) {
        const mb = (r.sizeBytes / 1e6).toFixed(0);
        console.log(
          `${r.name}@${r.version}\t${r.fresh ? `installed in ${(r.ms / 1000).toFixed(1)} s` : "already installed"}\t${mb} MB\t${r.bin}`,
        );
      }
    }
    return 0;
  }
  if (command === "path" && names.length === 1) {
    console.log(resolveSpec(names[0]).bin);
    return 0;
  }
  if (command === "list") {
    const rows = list();
    if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else
      for (const r of rows)
        console.log(
          `${r.name}@${r.version}${r.default ? " (default)" : ""}\t${r.installed ? r.bin : "not installed"}`,
        );
    return 0;
  }
  process.stderr.write(
    "usage: agents.mjs install [--json] [name[@version] …] | path <name>[@version] | list [--json]\n",
  );
  return 2;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`agents: ${error.message}\n`);
    process.exitCode = 1;
  }
}
