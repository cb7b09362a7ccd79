// A task's page: its facts and actions, its outcome, and tabs for the live transcript, the
// normalized events, the diff and the prompt.

import { parsePatch, renderFile } from "./diff.js";
import { renderActions, tell } from "./task-actions.js";
import { ACTIVE, ApiError, api, cost, duration, fill, h, setLive, statusBadge, tokens } from "./ui.js";

function facts(detail) {
  const v = detail.view;
  const row = (k, ...val) =>
    h("div", { class: "fact" }, h("span", { class: "k" }, k), h("span", { class: "v" }, ...val));
  const usage = v.usage
    ? `${tokens(v.usage.total_tokens ?? (v.usage.input_tokens ?? 0) + (v.usage.output_tokens ?? 0))} (in ${v.usage.input_tokens ?? 0}, out ${v.usage.output_tokens ?? 0})`
    : "—";
  return h(
    "div",
    { class: "facts" },
    row("status", statusBadge(v.status)),
    row("agent", `${v.agent} · ${v.sandbox}`),
    detail.host ? row("host", detail.host) : null,
    row("repository", detail.repo),
    v.agent_branch
      ? row("branch", h("code", {}, v.agent_branch), ` → ${v.base_branch ?? "(detached)"}`)
      : null,
    row("elapsed", duration(v.elapsed_seconds)),
    v.idle_seconds !== undefined ? row("idle", duration(v.idle_seconds)) : null,
    row("tokens", usage),
    row("cost", cost(v.cost_usd)),
    v.diff_stat !== undefined
      ? row("diff", v.diff_stat || "no changes", v.commits_ahead ? ` · ${v.commits_ahead} commit(s)` : "")
      : null,
    detail.merged
      ? row(
          "merged",
          `${detail.merged.strategy} into ${detail.merged.base_branch} at ${detail.merged.merged_at}`,
        )
      : null,
  );
}

function outcome(detail) {
  const v = detail.view;
  if (!detail.ended) return v.last_activity ? h("p", { class: "muted" }, `Now: ${v.last_activity}`) : null;
  return h(
    "section",
    { class: "outcome", "data-role": "result" },
    h("h3", {}, "Result"),
    v.error ? h("p", { class: "notice error" }, v.error) : null,
    v.result ? h("pre", { class: "result" }, v.result) : h("p", { class: "muted" }, "No final message."),
  );
}

function transcriptPane(enc, onStatus) {
  const pre = h("pre", { class: "transcript", "data-role": "transcript" });
  const earlier = h("button", { class: "hidden" }, "Load earlier lines");
  const pane = h("div", { class: "pane" }, earlier, pre);
  let start = 0;
  let es;
  let closed = false;
  const atBottom = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  const follow = (from) => {
    if (closed) return;
    es = new EventSource(`/api/tasks/${enc}/transcript/stream?from=${from}`);
    let offset = from;
    es.onopen = () => setLive("on");
    es.addEventListener("chunk", (e) => {
      const d = JSON.parse(e.data);
      const stick = atBottom();
      pre.append(d.text);
      offset = d.end;
      if (stick) pre.scrollTop = pre.scrollHeight;
    });
    es.addEventListener("status", (e) => onStatus(JSON.parse(e.data).status));
    es.addEventListener("end", (e) => {
      es.close();
      onStatus(JSON.parse(e.data).status);
    });
    es.onerror = () => {
      // Reconnect from where the text stands (the browser's own retry would start over).
      es.close();
      setLive("off");
      setTimeout(() => follow(offset), 2000);
    };
  };
  earlier.onclick = async () => {
    const page = await api(`/api/tasks/${enc}/transcript?before=${start}`);
    const keep = pre.scrollHeight - pre.scrollTop;
    pre.prepend(page.text);
    start = page.start;
    earlier.classList.toggle("hidden", start === 0);
    pre.scrollTop = pre.scrollHeight - keep;
  };
  (async () => {
    const page = await api(`/api/tasks/${enc}/transcript`);
    pre.textContent = page.text;
    start = page.start;
    earlier.classList.toggle("hidden", start === 0);
    pre.scrollTop = pre.scrollHeight;
    follow(page.end);
  })().catch((err) => pre.append(`(${err.message})`));
  return {
    pane,
    close() {
      closed = true;
      es?.close();
    },
  };
}

function eventsPane(enc) {
  const list = h("tbody");
  const note = h("p", { class: "muted" });
  const view = h(
    "select",
    {},
    h("option", { value: "normalized" }, "normalized"),
    h("option", { value: "raw" }, "raw"),
  );
  let next;
  const load = async (cursor, append = false) => {
    try {
      const page = await api(
        `/api/tasks/${enc}/events?view=${view.value}&cursor=${cursor}&limit=200&max_bytes=262144`,
      );
      if (!append) fill(list);
      for (const { cursor: at, event } of page.events) {
        const kind = event.kind ?? event.type ?? "";
        list.append(
          h(
            "tr",
            { dataset: { kind } },
            h("td", { class: "num muted" }, at),
            h("td", {}, kind),
            h("td", { class: "mono small" }, JSON.stringify(event).slice(0, 600)),
          ),
        );
      }
      next = page.has_more ? page.next_cursor : undefined;
      more.disabled = next === undefined;
      note.textContent = page.hint ?? `${page.events.length} event(s); the file holds ${page.size} bytes.`;
    } catch (err) {
      note.textContent = err.message;
    }
  };
  const more = h("button", { onclick: () => next !== undefined && load(next, true) }, "Next page");
  view.onchange = () => load("tail");
  const pane = h(
    "div",
    { class: "pane" },
    h(
      "div",
      { class: "toolbar" },
      view,
      h("button", { onclick: () => load("tail") }, "Newest"),
      h("button", { onclick: () => load(0) }, "From the start"),
      more,
    ),
    note,
    h("table", { class: "events" }, list),
  );
  load("tail");
  return { pane, close() {} };
}

function diffPane(enc) {
  const pane = h(
    "div",
    { class: "pane", "data-role": "diff" },
    h("p", { class: "muted" }, "Loading the diff…"),
  );
  (async () => {
    let d;
    try {
      d = await api(`/api/tasks/${enc}/diff?max_bytes=2097152`);
    } catch (err) {
      fill(pane, h("p", { class: "notice error", "data-role": "refusal" }, err.message));
      return;
    }
    const parsed = new Map(parsePatch(d.patch).map((f) => [f.path, f]));
    const sections = h("div");
    const fileList = h(
      "table",
      { class: "files" },
      d.files.map((f) =>
        h(
          "tr",
          { dataset: { file: f.path } },
          h("td", {}, h("a", { href: `#f-${encodeURIComponent(f.path)}` }, f.path)),
          h("td", { class: "num ins" }, f.binary ? "bin" : `+${f.insertions}`),
          h("td", { class: "num del" }, f.binary ? "" : `−${f.deletions}`),
        ),
      ),
    );
    for (const f of d.files) {
      const section = h(
        "section",
        { class: "file", id: `f-${encodeURIComponent(f.path)}`, dataset: { file: f.path } },
        h("h4", { class: "mono" }, f.path),
      );
      const known = parsed.get(f.path);
      if (known && !(d.truncated && known === [...parsed.values()].at(-1))) section.append(renderFile(known));
      else {
        const load = h("button", {}, "Load this file's diff");
        load.onclick = async () => {
          try {
            const one = await api(
              `/api/tasks/${enc}/diff?path=${encodeURIComponent(f.path)}&max_bytes=4194304`,
            );
            const file = parsePatch(one.patch)[0];
            load.replaceWith(file ? renderFile(file) : h("p", { class: "muted" }, "No textual changes."));
          } catch (err) {
            load.replaceWith(h("p", { class: "notice error" }, err.message));
          }
        };
        section.append(load);
      }
      sections.append(section);
    }
    fill(
      pane,
      h(
        "p",
        {},
        `${d.diff_stat || "No changes"} against ${String(d.base_commit).slice(0, 12)}${d.commits_ahead ? ` · ${d.commits_ahead} commit(s)` : ""}`,
      ),
      d.truncated ? h("p", { class: "notice warn" }, `The patch is long: cut ${d.cut_at}.`) : null,
      fileList,
      sections,
    );
  })();
  return { pane, close() {} };
}

export function showTask(main, id) {
  const enc = encodeURIComponent(id);
  const title = h("h2", { class: "mono" }, id);
  const factsBox = h("div");
  const notice = h("div", { class: "notice hidden" });
  const actions = h("div", { class: "actions" });
  const outcomeBox = h("div");
  const tabsBar = h("nav", { class: "tabs" });
  const paneBox = h("div");
  main.append(
    h("a", { href: "/", "data-nav": true }, "← all tasks"),
    title,
    factsBox,
    notice,
    actions,
    outcomeBox,
    tabsBar,
    paneBox,
  );
  let detail;
  let lastStatus;
  let current;

  const refresh = async () => {
    try {
      detail = await api(`/api/tasks/${enc}`);
    } catch (err) {
      tell(notice, err.message, "error");
      return;
    }
    document.getElementById("summary").textContent = detail.view.topic;
    fill(factsBox, facts(detail));
    if (detail.view.status !== lastStatus) renderActions(actions, ctx, detail);
    lastStatus = detail.view.status;
    fill(outcomeBox, outcome(detail) ?? "");
  };

  const ctx = {
    enc,
    /** Posts an action; shows its sentence, or the refusal's. */
    async act(action, body, sentence, refused = () => false) {
      try {
        const answer = await api(`/api/tasks/${enc}/${action}`, body);
        tell(notice, sentence(answer) ?? "Done.", refused(answer) ? "error" : "info");
        lastStatus = undefined;
        await refresh();
        return answer;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        tell(notice, err.message, "error");
        return undefined;
      }
    },
  };

  const onStatus = (status) => {
    if (status !== lastStatus) refresh();
  };
  const tabs = {
    transcript: () => transcriptPane(enc, onStatus),
    events: () => eventsPane(enc),
    diff: () => diffPane(enc),
    prompt: null,
  };
  const open = (name) => {
    current?.close();
    for (const b of tabsBar.children) b.classList.toggle("on", b.dataset.tab === name);
    if (name === "prompt") {
      current = { close() {} };
      fill(
        paneBox,
        h("pre", { class: "prompt", "data-role": "prompt" }, detail?.prompt ?? ""),
        detail?.prompt_truncated ? h("p", { class: "muted" }, "(cut at 64 KiB)") : "",
      );
      return;
    }
    current = tabs[name]();
    fill(paneBox, current.pane);
  };
  tabsBar.append(
    ...Object.keys(tabs).map((name) =>
      h("button", { dataset: { tab: name }, onclick: () => open(name) }, name),
    ),
  );
  const timer = setInterval(() => detail && ACTIVE.has(detail.view.status) && refresh(), 5000);
  refresh().then(() => open("transcript"));
  return () => {
    clearInterval(timer);
    current?.close();
  };
}
