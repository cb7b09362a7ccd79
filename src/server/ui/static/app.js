// The web board's page: a board of every task and a page per task. Plain browser JavaScript,
// no framework and no build step (src/server/ui/static is shipped as it is).
import { showBoard } from "./board.js";
import { showTask } from "./task.js";
import { fill } from "./ui.js";

let leave = () => {};

addEventListener("codexmcp:navigate", (e) => {
  history.pushState(null, "", e.detail);
  route();
});

function route() {
  leave();
  const main = document.getElementById("main");
  fill(main);
  const m = /^\/task\/([^/]+)$/.exec(location.pathname);
  leave = m ? showTask(main, decodeURIComponent(m[1])) : showBoard(main);
}

// Links inside the page change the view without a reload.
document.addEventListener("click", (e) => {
  const a = e.target.closest?.("a[data-nav]");
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  history.pushState(null, "", a.getAttribute("href"));
  route();
});
window.addEventListener("popstate", route);
route();
