// The board: every task, newest first, a page at a time, filtered by repository, status, agent
// and host; rows change in place as the server's event stream reports them.
import { ACTIVE, api, cost, duration, fill, h, setLive, statusBadge, tokens } from "./ui.js";

const PAGE = 100;

function diffCell(r) {
  if (r.files_changed === undefined) return h("td", { class: "num muted" }, "—");
  return h(
    "td",
    { class: "num", title: `${r.files_changed} file(s) changed` },
    h("span", { class: "ins" }, `+${r.insertions}`),
    " ",
    h("span", { class: "del" }, `−${r.deletions}`),
    h("span", { class: "muted" }, ` ${r.files_changed}f`),
  );
}

function rowOf(r, showHost, seenAt) {
  const live = ACTIVE.has(r.status);
  const since = () => (Date.now() - seenAt) / 1000;
  const elapsed = h("td", { class: "num" }, duration(r.elapsed_seconds));
  const idle = h("td", { class: "num" }, live ? duration(r.idle_seconds) : "—");
  const tr = h(
    "tr",
    { dataset: { taskId: r.task_id, status: r.status } },
    h(
      "td",
      {},
      statusBadge(r.status),
      r.queue_position ? h("span", { class: "muted" }, ` #${r.queue_position}`) : null,
    ),
    h(
      "td",
      { class: "task" },
      h("a", { href: `/task/${encodeURIComponent(r.task_id)}`, "data-nav": true }, r.topic),
      h("div", { class: "muted small" }, r.activity),
    ),
    h("td", { title: r.repo }, r.repo_name),
    showHost
      ? h(
          "td",
          { title: r.host_unreachable_since ? `unreachable since ${r.host_unreachable_since}` : "" },
          r.host ?? "local",
          r.host_unreachable_since ? h("span", { class: "del" }, " (unreachable)") : null,
        )
      : null,
    h("td", {}, r.agent),
    h("td", { class: "mono small" }, r.branch ?? "—"),
    elapsed,
    idle,
    h("td", { class: "num" }, tokens(r.tokens)),
    h("td", { class: "num" }, cost(r.cost_usd)),
    diffCell(r),
  );
  // Running rows count on between updates.
  tr.tick = live
    ? () => {
        elapsed.textContent = duration(r.elapsed_seconds + since());
        if (r.idle_seconds !== undefined) idle.textContent = duration(r.idle_seconds + since());
      }
    : undefined;
  return tr;
}

function select(name, label, facets, value, onchange, all = "all") {
  const s = h(
    "select",
    { name, "aria-label": label, onchange: (e) => onchange(e.target.value) },
    h("option", { value: "" }, `${label}: ${all}`),
    name === "status"
      ? [h("option", { value: "active" }, "status: active"), h("option", { value: "ended" }, "status: ended")]
      : null,
    facets.map((f) => h("option", { value: f.value }, `${label}: ${f.label} (${f.count})`)),
  );
  s.value = value ?? "";
  return s;
}

function usageTable(title, key, label, rows) {
  return h(
    "table",
    { class: "usage", dataset: { usage: key } },
    h(
      "tr",
      {},
      [title, "tasks", "tokens", "cost"].map((c) => h("th", {}, c)),
    ),
    rows.map((r) =>
      h(
        "tr",
        {},
        h("td", { title: r[key] }, label(r)),
        h("td", { class: "num" }, r.tasks),
        h("td", { class: "num" }, tokens(r.total_tokens)),
        h(
          "td",
          { class: "num", title: r.unpriced_runs ? `${r.unpriced_runs} run(s) without a known price` : "" },
          cost(r.cost_usd),
        ),
      ),
    ),
  );
}

/** Tokens and cost per day and per repository (what `codexmcp usage --days 7` prints). */
function usagePanel(repo) {
  const body = h("div", { class: "usage-body" });
  const panel = h(
    "details",
    { class: "action", "data-panel": "usage" },
    h("summary", {}, "Usage, last 7 days"),
    body,
  );
  panel.addEventListener("toggle", async () => {
    if (!panel.open) return;
    try {
      const u = await api(`/api/usage?days=7${repo() ? `&repo=${encodeURIComponent(repo())}` : ""}`);
      fill(
        body,
        h(
          "p",
          {},
          `${u.total.tasks} task(s), ${tokens(u.total.total_tokens)} tokens, ${cost(u.total.cost_usd)} (${u.time_zone})`,
        ),
        h(
          "div",
          { class: "usage-tables" },
          usageTable("day", "day", (r) => r.day, u.days),
          usageTable("repository", "repo", (r) => r.repo.split("/").pop(), u.repos),
        ),
      );
    } catch (err) {
      fill(body, h("p", { class: "notice error" }, err.message));
    }
  });
  return panel;
}

export function showBoard(main) {
  const params = new URLSearchParams(location.search);
  const state = {
    offset: Number(params.get("offset") ?? 0) || 0,
    repo: params.get("repo") ?? "",
    status: params.get("status") ?? "",
    agent: params.get("agent") ?? "",
    host: params.get("host") ?? "",
  };
  const filters = h("div", { class: "filters" });
  const notice = h("div", { class: "notice hidden" });
  const table = h("table", { class: "board" });
  const pager = h("div", { class: "pager" });
  main.append(
    filters,
    usagePanel(() => state.repo),
    notice,
    table,
    pager,
  );
  let rows = new Map();
  let loading;
  let again = false;

  const query = () => {
    const q = new URLSearchParams();
    for (const k of ["repo", "status", "agent", "host"]) if (state[k]) q.set(k, state[k]);
    if (state.offset) q.set("offset", String(state.offset));
    return q;
  };

  const render = (page) => {
    const seenAt = Date.now();
    const showHost = page.facets.host.some((f) => f.value !== "local");
    const set = (k) => (v) => {
      state[k] = v;
      state.offset = 0;
      history.replaceState(null, "", `/?${query()}`);
      load();
    };
    fill(
      filters,
      select("repo", "repository", page.facets.repo, state.repo, set("repo")),
      select("status", "status", page.facets.status, state.status, set("status")),
      select("agent", "agent", page.facets.agent, state.agent, set("agent")),
      showHost ? select("host", "host", page.facets.host, state.host, set("host")) : null,
    );
    document.getElementById("summary").textContent =
      `${page.matching} of ${page.total} tasks · ${page.totals.active} active · ${tokens(page.totals.tokens)} tokens · ${cost(page.totals.cost_usd)}`;
    const head = h(
      "tr",
      {},
      [
        "status",
        "task",
        "repository",
        showHost ? "host" : null,
        "agent",
        "branch",
        "elapsed",
        "idle",
        "tokens",
        "cost",
        "diff",
      ]
        .filter(Boolean)
        .map((c) => h("th", {}, c)),
    );
    rows = new Map();
    const body = h("tbody");
    for (const r of page.rows) {
      const tr = rowOf(r, showHost, seenAt);
      rows.set(r.task_id, { tr, r, showHost });
      body.append(tr);
    }
    fill(table, h("thead", {}, head), body);
    if (page.rows.length === 0)
      body.append(
        h(
          "tr",
          {},
          h(
            "td",
            { colspan: 11, class: "muted" },
            page.total === 0 ? "No tasks yet." : "No task matches these filters.",
          ),
        ),
      );
    const last = Math.min(page.offset + page.rows.length, page.matching);
    fill(
      pager,
      h("button", { disabled: state.offset === 0, onclick: () => move(-PAGE) }, "← newer"),
      h("span", { class: "muted" }, page.matching ? ` ${page.offset + 1}–${last} of ${page.matching} ` : " "),
      h("button", { disabled: last >= page.matching, onclick: () => move(PAGE) }, "older →"),
    );
  };

  const move = (by) => {
    state.offset = Math.max(0, state.offset + by);
    history.replaceState(null, "", `/?${query()}`);
    load();
  };

  // One load at a time; a change while loading loads once more after it.
  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = (async () => {
      try {
        const q = query();
        q.set("limit", String(PAGE));
        render(await api(`/api/board?${q}`));
        notice.className = "notice hidden";
      } catch (err) {
        notice.className = "notice error";
        notice.textContent = err.message;
      }
    })();
    await loading;
    loading = undefined;
    if (again) {
      again = false;
      load();
    }
  };

  const patch = (changed) => {
    const seenAt = Date.now();
    let reload = false;
    for (const r of changed) {
      const shown = rows.get(r.task_id);
      if (!shown) continue;
      // A row that no longer matches the status filter leaves the page: reload it.
      if (state.status && (state.status === "active") !== ACTIVE.has(r.status) && state.status !== r.status)
        reload = true;
      const tr = rowOf(r, shown.showHost, seenAt);
      tr.classList.add("flash");
      shown.tr.replaceWith(tr);
      rows.set(r.task_id, { tr, r, showHost: shown.showHost });
    }
    return reload;
  };

  const events = new EventSource("/api/board/stream");
  events.onopen = () => setLive("on");
  events.onerror = () => setLive("off");
  events.addEventListener("rows", (e) => {
    const data = JSON.parse(e.data);
    if (patch(data.changed) || data.added || data.removed.length > 0) load();
  });
  events.addEventListener("ended", () => load());
  const ticker = setInterval(() => {
    for (const { tr } of rows.values()) tr.tick?.();
  }, 1000);
  load();
  return () => {
    events.close();
    clearInterval(ticker);
  };
}
