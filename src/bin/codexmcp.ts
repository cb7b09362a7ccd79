#!/usr/bin/env node
import { run } from "../cli/main.js";

run(process.argv.slice(2));
