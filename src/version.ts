import { readFileSync } from "node:fs";
import { packageFile } from "./util/package-file.js";

/** The package version, from package.json at the package root (found from src/, dist/ or the bundle). */
export const VERSION: string = (() => {
  const file = packageFile("package.json");
  if (!file) return "0.0.0-unknown";
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
})();
