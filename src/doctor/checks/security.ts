import http from "node:http";
import { refusedRepoVariables } from "../../config/launcher-env.js";
import { readRepoConfig, trustCommand, trustedOnlyKeys } from "../../config/repo-config.js";
import type { Settings } from "../../config/settings.js";
import { TrustStore } from "../../config/trust.js";
import { httpTokenPath, readHttpToken } from "../../core/http-token.js";
import { gitMaybe } from "../../git/git.js";
import { runningHttpServers } from "../../server/records.js";
import { errorMessage } from "../../util/errors.js";
import type { Check } from "./types.js";

/** The repository config around `cwd`: trusted as it is, or what its tasks will be refused. */
async function repoTrustCheck(settings: Settings, cwd: string): Promise<Check> {
  const top = (await gitMaybe(cwd, ["rev-parse", "--show-toplevel"]))?.trim() || cwd;
  let repo: Awaited<ReturnType<typeof readRepoConfig>>;
  try {
    repo = await readRepoConfig(top);
  } catch (err) {
    return {
      name: "repo config",
      status: "fail",
      detail: errorMessage(err),
      fix: "fix the file named above",
    };
  }
  if (!repo) return { name: "repo config", status: "ok", detail: `no .codexmcp.yaml in ${top}` };
  const keys = trustedOnlyKeys(repo.config);
  if (keys.length === 0)
    return { name: "repo config", status: "ok", detail: `${repo.file} sets nothing that needs trust` };
  const state = await new TrustStore(settings.home).state(repo.file, repo.sha256);
  const refused = refusedRepoVariables(
    [...Object.keys(repo.config.env ?? {}), ...(repo.config.ports ? [repo.config.ports.env] : [])],
    settings.allowRepoEnv,
  );
  if (state.kind !== "trusted")
    return {
      name: "repo config",
      status: "warn",
      detail: `${repo.file} ${state.kind === "changed" ? "changed since it was trusted" : "is not trusted"}; tasks that would use its ${keys.join(", ")} are refused`,
      fix: `read it, then: ${trustCommand(repo.root, settings.home)}`,
    };
  if (refused.length > 0)
    return {
      name: "repo config",
      status: "warn",
      detail: `${repo.file} is trusted, but its ${refused.map((r) => r.name).join(", ")} are refused (they load code)`,
      fix: "remove them, or allow them by name in config.yaml (allow_repo_env)",
    };
  return {
    name: "repo config",
    status: "ok",
    detail: `${repo.file} is trusted as it is (${keys.join(", ")})`,
  };
}

/** Does something answer an MCP initialize on 127.0.0.1:port without a token? */
function answersWithoutToken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/mcp",
        method: "POST",
        timeout: 1500,
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "doctor", version: "1" },
        },
      }),
    );
  });
}

/** HTTP servers of this state directory without authentication, and the token file's safety. */
async function httpAuthCheck(settings: Settings): Promise<Check> {
  try {
    await readHttpToken(settings.home);
  } catch (err) {
    return {
      name: "http auth",
      status: "fail",
      detail: errorMessage(err),
      fix: `delete ${httpTokenPath(settings.home)}`,
    };
  }
  const servers = await runningHttpServers(settings.home);
  const open = servers.filter((s) => s.auth === "none" && !s.socket);
  if (open.length > 0)
    return {
      name: "http auth",
      status: "warn",
      detail: `${open.map((s) => `pid ${s.pid} serves ${s.url}`).join("; ")} without authentication (--no-auth): anyone on this machine can run code as you`,
      fix: "restart it without --no-auth; clients take the token with codexmcp install <client> --transport http",
    };
  if (await answersWithoutToken(8765))
    return {
      name: "http auth",
      status: "warn",
      detail:
        "an MCP server on 127.0.0.1:8765 answers without a token (another state directory, or an older codexmcp)",
      fix: "restart it without --no-auth",
    };
  return {
    name: "http auth",
    status: "ok",
    detail:
      servers.length > 0
        ? `${servers.length} HTTP server(s) running, each requiring the token (${httpTokenPath(settings.home)})`
        : "no HTTP server running; one started with codexmcp serve --transport http requires a token",
  };
}

/** What doctor says about trust: the current repository's config and local HTTP. */
export async function securityChecks(settings: Settings, cwd: string): Promise<Check[]> {
  return [await repoTrustCheck(settings, cwd), await httpAuthCheck(settings)];
}
