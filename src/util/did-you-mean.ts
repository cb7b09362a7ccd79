/** Letters only, lower case: `taskId`, `task-id` and `TASK_ID` all read `taskid`. */
function squash(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/**
 * The known name `word` was most likely meant to be: the same letters in another case or
 * separator style (taskId → task_id), else the closest by edit distance within a third of its
 * length; undefined when nothing is close.
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = squash(word);
  const same = known.find((k) => squash(k) === w);
  if (same) return same;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(w, squash(k));
    const prefix = squash(k).startsWith(w) || w.startsWith(squash(k));
    const score = prefix ? Math.min(d, 1) : d;
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

/** `"taskId" (did you mean "task_id"?)` */
export function withSuggestion(word: string, known: readonly string[]): string {
  const guess = closest(word, known);
  return guess ? `"${word}" (did you mean "${guess}"?)` : `"${word}"`;
}
