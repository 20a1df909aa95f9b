// Terminal rendering shared by commands: colours (off for NO_COLOR, pipes and
// --json), tables, short ids and relative times.

const codes = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;

export function paint(style: keyof typeof codes, text: string, enabled: boolean): string {
  if (!enabled) return text;
  const [open, close] = codes[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

const ansi = /\u001b\[[0-9;]*m/g;
const width = (s: string) => [...s.replace(ansi, '')].length;

/** A plain table with a header row; columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function short(oid: string | null | undefined): string {
  return oid ? oid.slice(0, 7) : '-';
}

export function ago(iso: string | null, now: Date = new Date()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return 'just now';
  const units: [number, string][] = [
    [60 * 60 * 24 * 365, 'y'],
    [60 * 60 * 24 * 30, 'mo'],
    [60 * 60 * 24, 'd'],
    [60 * 60, 'h'],
    [60, 'm'],
  ];
  for (const [size, unit] of units) if (seconds >= size) return `${Math.floor(seconds / size)}${unit} ago`;
  return 'just now';
}

/** A unified diff coloured as git colours it: headers bold, hunk headers cyan, removals red, additions green. */
export function colorPatch(patch: string, enabled: boolean): string {
  if (!enabled) return patch;
  let inHeader = false;
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('diff --git ')) inHeader = true;
      if (line.startsWith('@@')) {
        inHeader = false;
        const end = line.indexOf('@@', 2);
        return end > 0 ? paint('cyan', line.slice(0, end + 2), true) + line.slice(end + 2) : paint('cyan', line, true);
      }
      if (inHeader || line.startsWith('Binary files ')) return paint('bold', line, true);
      if (line.startsWith('+')) return paint('green', line, true);
      if (line.startsWith('-')) return paint('red', line, true);
      return line;
    })
    .join('\n');
}
