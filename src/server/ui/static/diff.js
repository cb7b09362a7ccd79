// A unified diff (codex_diff's patch) as files of side-by-side rows.

import { languageOf, tokenize } from "./highlight.js";
import { h } from "./ui.js";

function unquote(p) {
  if (!p.startsWith('"')) return p;
  try {
    // git quotes unusual names C-style; octal escapes are UTF-8 bytes.
    const bytes = [];
    const s = p.slice(1, -1);
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== "\\") {
        bytes.push(...new TextEncoder().encode(s[i]));
        continue;
      }
      const oct = /^[0-7]{3}/.exec(s.slice(i + 1));
      if (oct) {
        bytes.push(Number.parseInt(oct[0], 8));
        i += 3;
      } else {
        const c = s[++i];
        bytes.push({ n: 10, t: 9, '"': 34, "\\": 92 }[c] ?? c.charCodeAt(0));
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  } catch {
    return p;
  }
}

/** Files of a patch: { path, old, meta[], binary, hunks: [{ header, lines: [[kind, text]] }] }. */
export function parsePatch(patch) {
  const files = [];
  let file;
  let hunk;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      const m = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
      file = { path: m ? m[2] : line.slice(11), old: m ? m[1] : "", meta: [], binary: false, hunks: [] };
      files.push(file);
      hunk = undefined;
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith("+++ ")) {
        const p = line.slice(4);
        if (p !== "/dev/null") file.path = unquote(p).replace(/^b\//, "");
      } else if (line.startsWith("--- ")) {
        const p = line.slice(4);
        if (p !== "/dev/null") file.old = unquote(p).replace(/^a\//, "");
      } else if (line.startsWith("Binary files")) file.binary = true;
      else if (!line.startsWith("@@") && !line.startsWith("index ") && line) file.meta.push(line);
    }
    const at = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(line);
    if (at) {
      hunk = { oldStart: Number(at[1]), newStart: Number(at[2]), header: line, lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (hunk && (line[0] === " " || line[0] === "+" || line[0] === "-"))
      hunk.lines.push([line[0], line.slice(1)]);
  }
  return files;
}

/** Side-by-side rows of a hunk: removed lines face the added lines that replace them. */
export function sideBySide(hunk) {
  const rows = [];
  let o = hunk.oldStart;
  let n = hunk.newStart;
  const lines = hunk.lines;
  for (let i = 0; i < lines.length; ) {
    if (lines[i][0] === " ") {
      rows.push({ l: [o++, lines[i][1], " "], r: [n++, lines[i][1], " "] });
      i++;
      continue;
    }
    const del = [];
    const add = [];
    while (i < lines.length && lines[i][0] === "-") del.push(lines[i++][1]);
    while (i < lines.length && lines[i][0] === "+") add.push(lines[i++][1]);
    for (let k = 0; k < Math.max(del.length, add.length); k++)
      rows.push({
        l: k < del.length ? [o++, del[k], "-"] : null,
        r: k < add.length ? [n++, add[k], "+"] : null,
      });
  }
  return rows;
}

function code(text, lang, state) {
  return h(
    "td",
    { class: "code" },
    tokenize(text, lang, state).map(([kind, t]) => (kind ? h("span", { class: `t-${kind}` }, t) : t)),
  );
}

/** One file's side-by-side table. */
export function renderFile(file) {
  const lang = languageOf(file.path);
  const left = { block: false };
  const right = { block: false };
  const body = h("tbody");
  if (file.binary)
    body.append(h("tr", {}, h("td", { colspan: 4, class: "muted" }, "Binary file: not shown.")));
  for (const hunk of file.hunks) {
    body.append(h("tr", { class: "hunk" }, h("td", { colspan: 4 }, hunk.header)));
    for (const row of sideBySide(hunk)) {
      const side = (cell, state) =>
        cell
          ? [
              h("td", { class: `ln ${cell[2] === "-" ? "del" : cell[2] === "+" ? "ins" : ""}` }, cell[0]),
              code(cell[1], lang, state),
            ]
          : [h("td", { class: "ln empty" }), h("td", { class: "code empty" })];
      const tr = h("tr", {}, side(row.l, left), side(row.r, right));
      if (row.l?.[2] === "-") tr.children[1].classList.add("del");
      if (row.r?.[2] === "+") tr.children[3].classList.add("ins");
      body.append(tr);
    }
  }
  return h(
    "table",
    { class: "sbs" },
    h("colgroup", {}, h("col", { class: "ln" }), h("col"), h("col", { class: "ln" }), h("col")),
    body,
  );
}
