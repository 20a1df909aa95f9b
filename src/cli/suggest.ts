// What to say for a command that does not exist: the nearest real ones, as git and cargo do
// ("Did you mean 'forge sync status'?"), and the habits people bring from npm, cargo and git
// (`forge status`, `forge install`). Pure: works on the list of command ids.

/** Words other tools use, mapped to forge's command for the same job. */
const HABITS: Record<string, string[]> = {
  install: ['add'],
  i: ['add'],
  uninstall: ['remove'],
  rm: ['remove'],
  update: ['sync pull'],
  upgrade: ['sync pull'],
  fetch: ['sync pull'],
  outdated: ['sync status'],
  ls: ['sync status'],
  list: ['sync status'],
  st: ['sync status'],
  history: ['sync log'],
  revert: ['sync undo'],
  merge: ['sync pull', 'sync resolve'],
  tree: ['graph'],
  deps: ['graph'],
};

export interface UnknownCommand {
  /** What the user typed as a command, in their words: `staus`, `sync bogus`. */
  typed: string;
  /** The topic the user named before the mistake (`sync`), or ''. */
  scope: string;
  /** Real commands (space-separated ids), nearest first; at most three. */
  suggestions: string[];
}

/**
 * `words` are the words the user typed before the first flag (oclif's id split on ':').
 * `commands` and `topics` are space-separated ids (`sync pull`, `sync`).
 */
export function unknownCommand(words: readonly string[], commands: readonly string[], topics: readonly string[]): UnknownCommand {
  // The longest run of leading words that names a topic is known; the next word is the mistake.
  let known = 0;
  while (known < words.length && topics.includes(words.slice(0, known + 1).join(' '))) known++;
  const typedWords = words.slice(0, Math.min(words.length, known + 1));
  const typed = typedWords.join(' ');
  const wrong = typedWords[typedWords.length - 1] ?? '';
  const scope = words.slice(0, known).join(' ');

  const scored = new Map<string, number>();
  const offer = (id: string, score: number) => {
    if (!commands.includes(id) && !topics.includes(id)) return;
    const best = scored.get(id);
    if (best === undefined || score < best) scored.set(id, score);
  };
  for (const id of HABITS[wrong.toLowerCase()] ?? []) offer(id, 0);
  // Short words are close to too much: two edits turn `nope` into `pop`.
  const limit = wrong.length <= 4 ? 1 : wrong.length <= 7 ? 2 : 3;
  for (const id of [...commands, ...topics]) {
    const parts = id.split(' ');
    const last = parts[parts.length - 1]!;
    // `forge pull` → `forge sync pull`: the word is a command one topic down.
    if (last === wrong) offer(id, 0.5);
    // `sync stat` → `sync status`: the start of a command's name.
    if (wrong.length >= 3 && last.startsWith(wrong)) offer(id, 0.75);
    const whole = distance(typed, id);
    const word = distance(wrong, last);
    // A near miss inside the topic the user named counts before one elsewhere.
    const inScope = scope !== '' && id.startsWith(`${scope} `) ? 0 : 0.25;
    if (whole <= limit) offer(id, whole);
    if (word <= limit && parts.length > 1) offer(id, word + inScope);
  }
  // As git does: only the nearest (all of them when several are as near), at most three.
  const best = Math.min(...scored.values());
  const suggestions = [...scored]
    .filter(([, score]) => score === best)
    .sort((a, b) => a[1] - b[1] || a[0].split(' ').length - b[0].split(' ').length || a[0].localeCompare(b[0]))
    .map(([id]) => id)
    .slice(0, 3);
  return { typed, scope, suggestions };
}

/** Optimal string alignment distance (Levenshtein with adjacent transpositions, as git's help.c). */
export function distance(a: string, b: string): number {
  const s = [...a.toLowerCase()];
  const t = [...b.toLowerCase()];
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}
