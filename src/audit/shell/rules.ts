/**
 * The rule table: the rule for each canonical program name, gathered from the per-family rule modules.
 */

import type { Rule } from "./context.js";
import { EDIT_RULES } from "./edit-rules.js";
import { EXEC_RULES } from "./exec-rules.js";
import { FILE_RULES } from "./file-rules.js";
import { GIT_RULES } from "./git-rules.js";
import { INTERPRETER_RULES } from "./interpreter-rules.js";
import { PACKAGE_RULES } from "./package-rules.js";

export const RULES: Readonly<Record<string, Rule>> = {
  ...FILE_RULES,
  ...EDIT_RULES,
  ...EXEC_RULES,
  ...INTERPRETER_RULES,
  ...PACKAGE_RULES,
  ...GIT_RULES,
};
