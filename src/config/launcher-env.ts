/**
 * Environment variables a repository's `.codexmcp.yaml` may never set, trusted or not, unless
 * the user's own config.yaml allows them by name (`allow_repo_env`): they load code into, or
 * redirect, the programs codexmcp starts (the runner's Node, the Codex launcher, shells, git,
 * interpreters) or send the agent's credentials elsewhere. Names compare case-insensitively.
 */
const EXACT: Readonly<Record<string, string>> = {
  PATH: "chooses which programs run",
  HOME: "moves every program's own configuration",
  SHELL: "chooses the shell programs start",
  ENV: "is a script every POSIX shell runs at start",
  BASH_ENV: "is a script bash runs at start",
  ZDOTDIR: "moves zsh's start-up files",
  PROMPT_COMMAND: "runs a command in bash",
  PS4: "runs commands in a tracing shell",
  SHELLOPTS: "changes how bash runs scripts",
  BASHOPTS: "changes how bash runs scripts",
  IFS: "changes how shells split words",
  CDPATH: "changes where shells cd",
  GLOBIGNORE: "changes how shells expand",
  NODE_OPTIONS: "loads code into Node.js (the runner and the Codex launcher)",
  NODE_PATH: "changes which modules Node.js loads",
  NODE_EXTRA_CA_CERTS: "makes Node.js trust other certificate authorities",
  NODE_TLS_REJECT_UNAUTHORIZED: "turns off TLS checks",
  NODE_REPL_EXTERNAL_MODULE: "loads a module into Node.js",
  PYTHONSTARTUP: "runs a script in Python",
  PYTHONPATH: "changes which modules Python loads",
  PYTHONHOME: "moves Python's standard library",
  PYTHONUSERBASE: "changes which modules Python loads",
  PERL5OPT: "loads code into Perl",
  PERL5LIB: "changes which modules Perl loads",
  PERLLIB: "changes which modules Perl loads",
  PERL5DB: "runs code in Perl",
  RUBYOPT: "loads code into Ruby",
  RUBYLIB: "changes which libraries Ruby loads",
  JAVA_TOOL_OPTIONS: "loads agents into every JVM",
  _JAVA_OPTIONS: "loads agents into every JVM",
  JDK_JAVA_OPTIONS: "loads agents into every JVM",
  CLASSPATH: "changes which classes a JVM loads",
  LUA_INIT: "runs code in Lua",
  GCONV_PATH: "loads shared libraries into C programs",
  GLIBC_TUNABLES: "changes the C library's behaviour",
  LOCPATH: "changes where C programs load locale data",
  HOSTALIASES: "redirects host names",
  TMPDIR: "is a directory Codex's workspace-write sandbox makes writable",
  XDG_CONFIG_HOME: "moves every program's configuration (git's included)",
  XDG_CONFIG_DIRS: "moves every program's configuration",
  XDG_DATA_HOME: "moves programs' data and plug-ins",
  EDITOR: "is a program other programs run",
  VISUAL: "is a program other programs run",
  PAGER: "is a program other programs run",
  BROWSER: "is a program other programs run",
  SSH_ASKPASS: "is a program ssh runs",
  SSL_CERT_FILE: "changes which certificate authorities are trusted",
  SSL_CERT_DIR: "changes which certificate authorities are trusted",
  CURL_CA_BUNDLE: "changes which certificate authorities are trusted",
  REQUESTS_CA_BUNDLE: "changes which certificate authorities are trusted",
  HTTP_PROXY: "sends the agent's traffic (and API key) through another host",
  HTTPS_PROXY: "sends the agent's traffic (and API key) through another host",
  ALL_PROXY: "sends the agent's traffic (and API key) through another host",
  NO_PROXY: "changes which traffic goes through the proxy",
};

/** Prefixes, with what every variable under them does. */
const PREFIXES: readonly (readonly [string, string])[] = [
  ["LD_", "loads shared libraries into every program (LD_PRELOAD, LD_LIBRARY_PATH, …)"],
  ["DYLD_", "loads shared libraries into every program on macOS"],
  ["GIT_", "configures git (config, hooks, editors, ssh, object stores)"],
  ["CODEX_", "configures the Codex CLI (its home, its sandbox, its credentials)"],
  ["CODEXMCP_", "configures codexmcp itself"],
  ["OPENAI_", "configures the OpenAI API the agent talks to (base URL, key)"],
  ["NPM_CONFIG_", "configures npm (scripts, registries, its own node options)"],
  ["BASH_FUNC_", "defines bash functions every bash inherits"],
];

/** Harmless names under a refused prefix: who commits. */
const EXEMPT = new Set([
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_AUTHOR_DATE",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
  "GIT_COMMITTER_DATE",
]);

/** Why a repository may not set `name`, or undefined when it may. */
export function launcherVariableReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (EXEMPT.has(upper)) return undefined;
  const exact = EXACT[upper];
  if (exact) return exact;
  for (const [prefix, why] of PREFIXES) if (upper.startsWith(prefix)) return why;
  return undefined;
}

/** The names in `names` a repository may not set, given the user's allow-list, with reasons. */
export function refusedRepoVariables(
  names: readonly string[],
  allowed: readonly string[],
): { name: string; reason: string }[] {
  const allow = new Set(allowed.map((n) => n.toUpperCase()));
  const out: { name: string; reason: string }[] = [];
  for (const name of names) {
    const reason = launcherVariableReason(name);
    if (reason && !allow.has(name.toUpperCase())) out.push({ name, reason });
  }
  return out;
}
