/** Prepended to the prompt of a read-only task that runs without the agent's own enforcement. */
export const READONLY_CONSTRAINT = `READ-ONLY TASK. This run has no sandbox: the rules below are enforced by an audit of everything you do, and any change is reported as a violation.
- Do not create, modify, move or delete any file or directory: no redirection into files (> or >>), no tee, no sed -i / perl -i, no apply_patch, no scripts or interpreters that write.
- Do not run git commands that change the working tree, index, refs, stash or config (add, commit, checkout, switch, restore, reset, stash, apply, merge, rebase, clean, branch/tag creation, ...).
- Do not install or remove packages and do not run builds or tests that write output into the project.
- Read, search and run read-only commands only, and report your findings in your final message.

---

`;
