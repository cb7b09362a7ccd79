import { loadSettings } from "../config/settings.js";
import { serveStdio } from "../server/stdio.js";
import { errorMessage, UserError } from "../util/errors.js";
import { VERSION } from "../version.js";

const USAGE = `codexmcp ${VERSION}: an MCP server that hands coding work to the OpenAI Codex CLI

usage:
  codexmcp                 serve MCP over stdio (what MCP clients run)
  codexmcp serve           the same
  codexmcp --version       print the version
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-V") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === undefined || command === "serve") {
    if (rest.length > 0) {
      process.stderr.write(`codexmcp serve: unexpected argument ${rest[0]}\n${USAGE}`);
      return 2;
    }
    await serveStdio(await loadSettings());
    return 0;
  }
  process.stderr.write(`codexmcp: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

export function run(argv: readonly string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`codexmcp: ${err instanceof UserError ? err.message : errorMessage(err)}\n`);
      process.exitCode = err instanceof UserError ? 2 : 1;
    },
  );
}
