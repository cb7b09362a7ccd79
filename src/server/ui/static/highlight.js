// A light, syntax-aware colouring for diff lines: comments, strings, numbers and keywords of
// the common languages, per line with block comments carried over. Small on purpose (no
// grammar library to ship): it only has to make a diff easier to read, never to be exact.

const C_LIKE = { line: ["//"], block: ["/*", "*/"], quotes: ["'", '"', "`"] };
const HASH = { line: ["#"], block: null, quotes: ["'", '"'] };

const KEYWORDS = {
  js: "async await break case catch class const continue default delete do else export extends false finally for from function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while yield interface type enum implements private public protected readonly as",
  py: "and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield self",
  go: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false",
  rs: "as async await break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while",
  c: "auto break case char const continue default do double else enum extern float for goto if int long register return short signed sizeof static struct switch typedef union unsigned void volatile while class public private protected namespace template typename new delete true false nullptr bool this virtual override final import package extends implements interface throws throw try catch finally boolean string var fun val when object",
  sh: "if then else elif fi case esac for while until do done in function return local export readonly set unset shift exit",
  rb: "begin end def class module if elsif else unless case when while until for in do return yield self nil true false and or not then require",
  sql: "select from where insert into update delete create table drop alter and or not null join left right inner outer on group by order having limit as values set primary key",
};

const LANGS = {
  js: ["js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts"],
  py: ["py", "pyi"],
  go: ["go"],
  rs: ["rs"],
  c: [
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "cs",
    "java",
    "kt",
    "kts",
    "swift",
    "scala",
    "php",
    "dart",
    "css",
    "scss",
    "less",
  ],
  sh: ["sh", "bash", "zsh"],
  rb: ["rb"],
  sql: ["sql"],
  yaml: ["yml", "yaml", "toml", "ini", "cfg", "conf"],
  json: ["json", "jsonc"],
};

/** The language of a file, by its extension (or name). */
export function languageOf(path) {
  const name = path.split("/").pop() ?? "";
  if (name === "Dockerfile" || name === "Makefile") return { key: "sh", ...HASH };
  const ext = name.includes(".") ? name.split(".").pop().toLowerCase() : "";
  for (const [key, exts] of Object.entries(LANGS)) {
    if (!exts.includes(ext)) continue;
    if (key === "py" || key === "sh" || key === "rb" || key === "yaml") return { key, ...HASH };
    if (key === "sql") return { key, line: ["--"], block: ["/*", "*/"], quotes: ["'", '"'] };
    if (key === "json") return { key, line: [], block: null, quotes: ['"'] };
    return { key, ...C_LIKE };
  }
  return null;
}

const keywordSets = new Map();
function keywords(key) {
  if (!keywordSets.has(key)) keywordSets.set(key, new Set((KEYWORDS[key] ?? "").split(" ").filter(Boolean)));
  return keywordSets.get(key);
}

/**
 * Segments of one line: [kind, text] with kind "" (plain), "c" (comment), "s" (string),
 * "n" (number), "k" (keyword). `state.block` says a block comment is open across lines.
 */
export function tokenize(line, lang, state = { block: false }) {
  if (!lang) return [["", line]];
  const out = [];
  const push = (kind, text) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last[0] === kind) last[1] += text;
    else out.push([kind, text]);
  };
  const words = keywords(lang.key);
  let i = 0;
  while (i < line.length) {
    if (state.block) {
      const close = line.indexOf(lang.block[1], i);
      const end = close < 0 ? line.length : close + lang.block[1].length;
      push("c", line.slice(i, end));
      if (close >= 0) state.block = false;
      i = end;
      continue;
    }
    const rest = line.slice(i);
    if (lang.line.some((p) => rest.startsWith(p))) {
      push("c", rest);
      break;
    }
    if (lang.block && rest.startsWith(lang.block[0])) {
      state.block = true;
      push("c", lang.block[0]);
      i += lang.block[0].length;
      continue;
    }
    const ch = line[i];
    if (lang.quotes.includes(ch)) {
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === "\\" ? 2 : 1;
      push("s", line.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(rest);
    if (word) {
      push(words.has(lang.key === "sql" ? word[0].toLowerCase() : word[0]) ? "k" : "", word[0]);
      i += word[0].length;
      continue;
    }
    const num = /^\d[\d_]*(\.\d+)?([eE][+-]?\d+)?|^0x[\da-fA-F]+/.exec(rest);
    if (num) {
      push("n", num[0]);
      i += num[0].length;
      continue;
    }
    push("", ch);
    i++;
  }
  return out;
}
