// A task page's actions: each one is a POST to the server, which runs the MCP tool's own body;
// a refusal comes back as the tool's sentence and is shown as it is.
import { ACTIVE, api, fill, h, navigate } from "./ui.js";

/** Shows an answer's sentence (info) or a refusal's (error) in the page's notice. */
export function tell(notice, text, kind = "info") {
  notice.className = `notice ${kind}`;
  notice.dataset.role = kind === "error" ? "refusal" : "message";
  notice.textContent = text;
}

function busy(button, run) {
  return async (...args) => {
    button.disabled = true;
    try {
      await run(...args);
    } finally {
      button.disabled = false;
    }
  };
}

function cancelBox(ctx) {
  const box = h("div", { class: "action" });
  const ask = h("button", { class: "danger", "data-action": "cancel" }, "Cancel task");
  const yes = h("button", { class: "danger", "data-action": "cancel-confirm" }, "Yes, stop it");
  const no = h("button", {}, "No");
  const confirmRow = h(
    "span",
    { class: "hidden" },
    " Stop the task and everything it started? ",
    yes,
    " ",
    no,
  );
  ask.onclick = () => confirmRow.classList.remove("hidden");
  no.onclick = () => confirmRow.classList.add("hidden");
  yes.onclick = busy(yes, async () => {
    confirmRow.classList.add("hidden");
    await ctx.act("cancel", {}, (a) => a.message);
  });
  box.append(ask, confirmRow);
  return box;
}

function replyBox(ctx) {
  const text = h("textarea", {
    rows: 3,
    placeholder: "A follow-up prompt: the task's conversation continues as its next version",
    "data-role": "reply-prompt",
  });
  const send = h("button", { "data-action": "reply" }, "Reply");
  send.onclick = busy(send, async () => {
    const answer = await ctx.act("reply", { prompt: text.value }, (a) => a.hint);
    if (answer?.task_id) navigate(`/task/${encodeURIComponent(answer.task_id)}`);
  });
  return h(
    "details",
    { class: "action", "data-panel": "reply" },
    h("summary", {}, "Reply"),
    text,
    h("div", {}, send),
  );
}

function describeCheck(check) {
  if (!check) return ["", "checking…"];
  if (check.refusal) return ["error", check.refusal];
  if (check.would_merge) return ["ok", check.hint];
  return ["warn", check.hint];
}

function mergeBox(ctx, view) {
  const base = view.base_branch ?? "its base";
  const results = h("div", { class: "checks" });
  const uncommitted = h("input", { type: "checkbox", "data-role": "commit-uncommitted" });
  const message = h("input", {
    type: "text",
    placeholder: "commit message (merge, squash)",
    "data-role": "merge-message",
  });
  const panel = h(
    "details",
    { class: "action", "data-panel": "merge" },
    h("summary", {}, `Merge ${view.agent_branch} into ${base}`),
    h("label", {}, uncommitted, " commit the worktree's uncommitted work first"),
    message,
    results,
  );
  const check = async () => {
    fill(results, h("p", { class: "muted" }, "Checking each strategy (nothing is changed)…"));
    let answer;
    try {
      answer = await api(
        `/api/tasks/${ctx.enc}/merge-check`,
        uncommitted.checked ? { commit_uncommitted: true } : {},
      );
    } catch (err) {
      fill(results, h("p", { class: "notice error", "data-role": "refusal" }, err.message));
      return;
    }
    fill(
      results,
      ...["merge", "squash", "rebase"].map((strategy) => {
        const [kind, text] = describeCheck(answer.checks[strategy]);
        const go = h(
          "button",
          { "data-action": `merge-${strategy}`, class: kind === "ok" ? "primary" : "" },
          strategy,
        );
        go.onclick = busy(go, async () => {
          const body = { strategy };
          if (uncommitted.checked) body.commit_uncommitted = true;
          if (message.value.trim()) body.message = message.value.trim();
          await ctx.act(
            "merge",
            body,
            (a) => a.hint,
            (a) => a.merged === false,
          );
        });
        return h(
          "div",
          { class: `check ${kind}`, dataset: { strategy, check: kind } },
          go,
          " ",
          h("span", {}, text),
        );
      }),
    );
  };
  panel.addEventListener("toggle", () => panel.open && check());
  uncommitted.onchange = check;
  return panel;
}

function cleanupBox(ctx) {
  const body = h("div", { class: "checks" });
  const panel = h(
    "details",
    { class: "action", "data-panel": "cleanup" },
    h("summary", {}, "Clean up"),
    body,
  );
  const preview = (p, force) => {
    if (p.refusal) return h("p", { class: "notice error", "data-role": "refusal" }, p.refusal);
    const item = p.would?.[0];
    if (!item) return h("p", { class: "muted" }, p.hint);
    const go = h(
      "button",
      { "data-action": force ? "cleanup-force" : "cleanup", class: force ? "danger" : "primary" },
      force ? "Clean up with force" : "Clean up",
    );
    go.onclick = busy(go, () => ctx.act("cleanup", force ? { force: true } : {}, (a) => a.hint));
    return h(
      "div",
      { class: "preview", dataset: { preview: force ? "forced" : "plain" } },
      h(
        "p",
        {},
        item.would_remove_worktree ? `Removes the worktree ${item.worktree_dir}` : "No worktree to remove",
        item.branch
          ? item.would_delete_branch
            ? `, deletes the merged branch ${item.branch}`
            : `; the branch ${item.branch} stays`
          : "",
        ".",
      ),
      item.keeps.length
        ? h(
            "div",
            {},
            "Keeps:",
            h(
              "ul",
              { "data-role": "keeps" },
              item.keeps.map((k) => h("li", {}, k)),
            ),
          )
        : null,
      item.discards.length
        ? h("div", { class: "muted" }, `Discards (regenerable): ${item.discards.join(", ")}`)
        : null,
      go,
    );
  };
  panel.addEventListener("toggle", async () => {
    if (!panel.open) return;
    fill(body, h("p", { class: "muted" }, "Looking at what would be removed and kept (nothing is changed)…"));
    try {
      const a = await api(`/api/tasks/${ctx.enc}/cleanup-check`, {});
      fill(
        body,
        preview(a.plain, false),
        a.forced ? h("h4", {}, "With force") : null,
        a.forced ? preview(a.forced, true) : null,
      );
    } catch (err) {
      fill(body, h("p", { class: "notice error", "data-role": "refusal" }, err.message));
    }
  });
  return panel;
}

function attachBox(view) {
  const cmd = h("code", { "data-role": "attach-command" }, view.attach_command);
  const copy = h("button", { "data-action": "copy-attach" }, "Copy");
  copy.onclick = async () => {
    try {
      await navigator.clipboard.writeText(view.attach_command);
      copy.textContent = "Copied";
    } catch {
      getSelection().selectAllChildren(cmd);
      copy.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => (copy.textContent = "Copy"), 2000);
  };
  return h("div", { class: "action" }, "Attach: ", cmd, " ", copy);
}

/** The actions that fit the task now. `ctx.act(action, body, sentence, isRefusal)` posts one. */
export function renderActions(box, ctx, detail) {
  const v = detail.view;
  fill(
    box,
    ACTIVE.has(v.status) ? cancelBox(ctx) : null,
    replyBox(ctx),
    v.agent_branch ? mergeBox(ctx, v) : null,
    cleanupBox(ctx),
    v.attach_command ? attachBox(v) : null,
  );
}
