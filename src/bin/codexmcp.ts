#!/usr/bin/env node
import { enableCompileCache } from "../util/compile-cache.js";
import { shedNpmStartEnv } from "../util/npm-start-env.js";

// The compile cache only covers modules compiled after it is on, hence the dynamic import.
enableCompileCache();
shedNpmStartEnv();
const { run } = await import("../cli/main.js");
run(process.argv.slice(2));
