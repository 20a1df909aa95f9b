// The one line-diff core of src/merge: a re-implementation of the behaviour of git's xdiff
// (Myers with git's heuristics, the cleanup of lines without matches, and the group compaction
// with the optional indent heuristic), so that merges and unified diffs line up with what git
// prints. Written from a reading of git's xdiff, not copied.

/** One changed area: `chg1` records at `i1` of the old file became `chg2` records at `i2` of the new one. */
export interface DiffChange {
  i1: number;
  chg1: number;
  i2: number;
  chg2: number;
}

export interface DiffOptions {
  /** git diff turns this on by default; git merge-file does not. */
  indentHeuristic?: boolean;
}

/**
 * Splits text into records the way xdiff does: each record keeps its "\n"; a last line without
 * one is a record of its own; empty text has no records.
 */
export function splitRecords(text: string): string[] {
  const recs: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) break;
    recs.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) recs.push(text.slice(start));
  return recs;
}

const MAX_EQLIMIT = 1024;
const SIMSCAN_WINDOW = 100;
const KPDIS_RUN = 4;
const MAX_COST_MIN = 256;
const HEUR_MIN_COST = 256;
const SNAKE_CNT = 20;
const K_HEUR = 4;
const LINE_MAX = Number.MAX_SAFE_INTEGER;

function bogosqrt(n: number): number {
  let i = 1;
  for (; n > 0; n = Math.floor(n / 4)) i *= 2;
  return i;
}

/** One side of a diff. `chg` is offset by one so that index -1 and nrec are zero sentinels. */
interface SideFile {
  recs: string[];
  ha: number[];
  nrec: number;
  chg: Uint8Array;
  rindex: number[];
  hashes: number[];
  dstart: number;
  dend: number;
}

function changed(f: SideFile, i: number): boolean {
  return f.chg[i + 1] === 1;
}

function setChanged(f: SideFile, i: number, v: 0 | 1): void {
  f.chg[i + 1] = v;
}

function prepare(a: string[], b: string[]): [SideFile, SideFile] {
  const classes = new Map<string, number>();
  const count1: number[] = [];
  const count2: number[] = [];
  const classify = (line: string, counts: number[]): number => {
    let id = classes.get(line);
    if (id === undefined) {
      id = classes.size;
      classes.set(line, id);
      count1.push(0);
      count2.push(0);
    }
    counts[id]! += 1;
    return id;
  };
  const make = (recs: string[], counts: number[]): SideFile => ({
    recs,
    ha: recs.map((r) => classify(r, counts)),
    nrec: recs.length,
    chg: new Uint8Array(recs.length + 2),
    rindex: [],
    hashes: [],
    dstart: 0,
    dend: 0,
  });
  const f1 = make(a, count1);
  const f2 = make(b, count2);
  trimEnds(f1, f2);
  cleanupRecords(f1, f2, count1, count2);
  return [f1, f2];
}

function trimEnds(f1: SideFile, f2: SideFile): void {
  let lim = Math.min(f1.nrec, f2.nrec);
  let i = 0;
  while (i < lim && f1.ha[i] === f2.ha[i]) i++;
  f1.dstart = f2.dstart = i;
  lim -= i;
  let j = 0;
  while (j < lim && f1.ha[f1.nrec - 1 - j] === f2.ha[f2.nrec - 1 - j]) j++;
  f1.dend = f1.nrec - j - 1;
  f2.dend = f2.nrec - j - 1;
}

/** A line with many matches is dropped from the search when it sits among lines without any. */
function cleanMmatch(dis: Uint8Array, i: number, s: number, e: number): boolean {
  if (i - s > SIMSCAN_WINDOW) s = i - SIMSCAN_WINDOW;
  if (e - i > SIMSCAN_WINDOW) e = i + SIMSCAN_WINDOW;
  let rdis0 = 0;
  let rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    const d = dis[i - r];
    if (d === 0) rdis0++;
    else if (d === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0;
  let rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    const d = dis[i + r];
    if (d === 0) rdis1++;
    else if (d === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
}

function cleanupRecords(f1: SideFile, f2: SideFile, count1: number[], count2: number[]): void {
  const mark = (f: SideFile, other: number[]): Uint8Array => {
    const dis = new Uint8Array(f.nrec + 1);
    const mlim = Math.min(bogosqrt(f.nrec), MAX_EQLIMIT);
    for (let i = f.dstart; i <= f.dend; i++) {
      const nm = other[f.ha[i]!]!;
      dis[i] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
    }
    return dis;
  };
  const dis1 = mark(f1, count2);
  const dis2 = mark(f2, count1);
  const keep = (f: SideFile, dis: Uint8Array): void => {
    for (let i = f.dstart; i <= f.dend; i++) {
      if (dis[i] === 1 || (dis[i] === 2 && !cleanMmatch(dis, i, f.dstart, f.dend))) {
        f.rindex.push(i);
        f.hashes.push(f.ha[i]!);
      } else {
        setChanged(f, i, 1);
      }
    }
  };
  keep(f1, dis1);
  keep(f2, dis2);
}

interface Split {
  i1: number;
  i2: number;
  minLo: boolean;
  minHi: boolean;
}

interface AlgoEnv {
  mxcost: number;
  kvdf: Float64Array;
  kvdb: Float64Array;
  /** Index of diagonal 0 in kvdf/kvdb. */
  koff: number;
}

function split(
  ha1: number[],
  off1: number,
  lim1: number,
  ha2: number[],
  off2: number,
  lim2: number,
  needMin: boolean,
  env: AlgoEnv,
): Split {
  const { kvdf, kvdb, koff } = env;
  const dmin = off1 - lim2;
  const dmax = lim1 - off2;
  const fmid = off1 - off2;
  const bmid = lim1 - lim2;
  const odd = ((fmid - bmid) & 1) !== 0;
  let fmin = fmid;
  let fmax = fmid;
  let bmin = bmid;
  let bmax = bmid;
  kvdf[koff + fmid] = off1;
  kvdb[koff + bmid] = lim1;

  for (let ec = 1; ; ec++) {
    let gotSnake = false;
    if (fmin > dmin) kvdf[koff + --fmin - 1] = -1;
    else ++fmin;
    if (fmax < dmax) kvdf[koff + ++fmax + 1] = -1;
    else --fmax;

    for (let d = fmax; d >= fmin; d -= 2) {
      let i1 = kvdf[koff + d - 1]! >= kvdf[koff + d + 1]! ? kvdf[koff + d - 1]! + 1 : kvdf[koff + d + 1]!;
      const prev1 = i1;
      let i2 = i1 - d;
      while (i1 < lim1 && i2 < lim2 && ha1[i1] === ha2[i2]) {
        i1++;
        i2++;
      }
      if (i1 - prev1 > SNAKE_CNT) gotSnake = true;
      kvdf[koff + d] = i1;
      if (odd && bmin <= d && d <= bmax && kvdb[koff + d]! <= i1) {
        return { i1, i2, minLo: true, minHi: true };
      }
    }

    if (bmin > dmin) kvdb[koff + --bmin - 1] = LINE_MAX;
    else ++bmin;
    if (bmax < dmax) kvdb[koff + ++bmax + 1] = LINE_MAX;
    else --bmax;

    for (let d = bmax; d >= bmin; d -= 2) {
      let i1 = kvdb[koff + d - 1]! < kvdb[koff + d + 1]! ? kvdb[koff + d - 1]! : kvdb[koff + d + 1]! - 1;
      const prev1 = i1;
      let i2 = i1 - d;
      while (i1 > off1 && i2 > off2 && ha1[i1 - 1] === ha2[i2 - 1]) {
        i1--;
        i2--;
      }
      if (prev1 - i1 > SNAKE_CNT) gotSnake = true;
      kvdb[koff + d] = i1;
      if (!odd && fmin <= d && d <= fmax && i1 <= kvdf[koff + d]!) {
        return { i1, i2, minLo: true, minHi: true };
      }
    }

    if (needMin) continue;

    // Past a large edit cost, settle for a diagonal that has gone far along a long snake.
    if (gotSnake && ec > HEUR_MIN_COST) {
      let best = 0;
      let found: Split | null = null;
      for (let d = fmax; d >= fmin; d -= 2) {
        const dd = d > fmid ? d - fmid : fmid - d;
        const i1 = kvdf[koff + d]!;
        const i2 = i1 - d;
        const v = i1 - off1 + (i2 - off2) - dd;
        if (v > K_HEUR * ec && v > best && off1 + SNAKE_CNT <= i1 && i1 < lim1 && off2 + SNAKE_CNT <= i2 && i2 < lim2) {
          for (let k = 1; ha1[i1 - k] === ha2[i2 - k]; k++) {
            if (k === SNAKE_CNT) {
              best = v;
              found = { i1, i2, minLo: true, minHi: false };
              break;
            }
          }
        }
      }
      if (best > 0 && found) return found;

      best = 0;
      for (let d = bmax; d >= bmin; d -= 2) {
        const dd = d > bmid ? d - bmid : bmid - d;
        const i1 = kvdb[koff + d]!;
        const i2 = i1 - d;
        const v = lim1 - i1 + (lim2 - i2) - dd;
        if (v > K_HEUR * ec && v > best && off1 < i1 && i1 <= lim1 - SNAKE_CNT && off2 < i2 && i2 <= lim2 - SNAKE_CNT) {
          for (let k = 0; ha1[i1 + k] === ha2[i2 + k]; k++) {
            if (k === SNAKE_CNT - 1) {
              best = v;
              found = { i1, i2, minLo: false, minHi: true };
              break;
            }
          }
        }
      }
      if (best > 0 && found) return found;
    }

    // Too expensive: take the furthest-reaching path found so far.
    if (ec >= env.mxcost) {
      let fbest = -1;
      let fbest1 = -1;
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = Math.min(kvdf[koff + d]!, lim1);
        let i2 = i1 - d;
        if (lim2 < i2) {
          i1 = lim2 + d;
          i2 = lim2;
        }
        if (fbest < i1 + i2) {
          fbest = i1 + i2;
          fbest1 = i1;
        }
      }
      let bbest = LINE_MAX;
      let bbest1 = LINE_MAX;
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = Math.max(off1, kvdb[koff + d]!);
        let i2 = i1 - d;
        if (i2 < off2) {
          i1 = off2 + d;
          i2 = off2;
        }
        if (i1 + i2 < bbest) {
          bbest = i1 + i2;
          bbest1 = i1;
        }
      }
      if (lim1 + lim2 - bbest < fbest - (off1 + off2)) {
        return { i1: fbest1, i2: fbest - fbest1, minLo: true, minHi: false };
      }
      return { i1: bbest1, i2: bbest - bbest1, minLo: false, minHi: true };
    }
  }
}

function compareRecords(f1: SideFile, f2: SideFile): void {
  const ndiags = f1.rindex.length + f2.rindex.length + 3;
  const env: AlgoEnv = {
    mxcost: Math.max(bogosqrt(ndiags), MAX_COST_MIN),
    kvdf: new Float64Array(ndiags),
    kvdb: new Float64Array(ndiags),
    koff: f2.rindex.length + 1,
  };
  const ha1 = f1.hashes;
  const ha2 = f2.hashes;
  // An explicit stack instead of recursion: the boxes are independent of each other.
  const stack: [number, number, number, number, boolean][] = [[0, ha1.length, 0, ha2.length, false]];
  while (stack.length > 0) {
    let [off1, lim1, off2, lim2, needMin] = stack.pop()!;
    while (off1 < lim1 && off2 < lim2 && ha1[off1] === ha2[off2]) {
      off1++;
      off2++;
    }
    while (off1 < lim1 && off2 < lim2 && ha1[lim1 - 1] === ha2[lim2 - 1]) {
      lim1--;
      lim2--;
    }
    if (off1 === lim1) {
      for (; off2 < lim2; off2++) setChanged(f2, f2.rindex[off2]!, 1);
    } else if (off2 === lim2) {
      for (; off1 < lim1; off1++) setChanged(f1, f1.rindex[off1]!, 1);
    } else {
      const spl = split(ha1, off1, lim1, ha2, off2, lim2, needMin, env);
      stack.push([spl.i1, lim1, spl.i2, lim2, spl.minHi]);
      stack.push([off1, spl.i1, off2, spl.i2, spl.minLo]);
    }
  }
}

interface Group {
  start: number;
  end: number;
}

function groupInit(f: SideFile): Group {
  const g = { start: 0, end: 0 };
  while (changed(f, g.end)) g.end++;
  return g;
}

function groupNext(f: SideFile, g: Group): boolean {
  if (g.end === f.nrec) return false;
  g.start = g.end + 1;
  for (g.end = g.start; changed(f, g.end); g.end++);
  return true;
}

function groupPrevious(f: SideFile, g: Group): boolean {
  if (g.start === 0) return false;
  g.end = g.start - 1;
  for (g.start = g.end; changed(f, g.start - 1); g.start--);
  return true;
}

function groupSlideDown(f: SideFile, g: Group): boolean {
  if (g.end < f.nrec && f.ha[g.start] === f.ha[g.end]) {
    setChanged(f, g.start++, 0);
    setChanged(f, g.end++, 1);
    while (changed(f, g.end)) g.end++;
    return true;
  }
  return false;
}

function groupSlideUp(f: SideFile, g: Group): boolean {
  if (g.start > 0 && f.ha[g.start - 1] === f.ha[g.end - 1]) {
    setChanged(f, --g.start, 1);
    setChanged(f, --g.end, 0);
    while (changed(f, g.start - 1)) g.start--;
    return true;
  }
  return false;
}

const MAX_INDENT = 200;
const MAX_BLANKS = 20;
const START_OF_FILE_PENALTY = 1;
const END_OF_FILE_PENALTY = 21;
const TOTAL_BLANK_WEIGHT = -30;
const POST_BLANK_WEIGHT = 6;
const RELATIVE_INDENT_PENALTY = -4;
const RELATIVE_INDENT_WITH_BLANK_PENALTY = 10;
const RELATIVE_OUTDENT_PENALTY = 24;
const RELATIVE_OUTDENT_WITH_BLANK_PENALTY = 17;
const RELATIVE_DEDENT_PENALTY = 23;
const RELATIVE_DEDENT_WITH_BLANK_PENALTY = 17;
const INDENT_WEIGHT = 60;
const INDENT_HEURISTIC_MAX_SLIDING = 100;

/** git's isspace: only tab, newline, carriage return and space. */
export function isGitSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function getIndent(rec: string): number {
  let ret = 0;
  for (let i = 0; i < rec.length; i++) {
    const c = rec[i]!;
    if (!isGitSpace(c)) return ret;
    if (c === ' ') ret += 1;
    else if (c === '\t') ret += 8 - (ret % 8);
    if (ret >= MAX_INDENT) return MAX_INDENT;
  }
  return -1;
}

interface SplitMeasurement {
  endOfFile: boolean;
  indent: number;
  preBlank: number;
  preIndent: number;
  postBlank: number;
  postIndent: number;
}

function measureSplit(f: SideFile, at: number): SplitMeasurement {
  const m: SplitMeasurement = { endOfFile: false, indent: -1, preBlank: 0, preIndent: -1, postBlank: 0, postIndent: -1 };
  if (at >= f.nrec) m.endOfFile = true;
  else m.indent = getIndent(f.recs[at]!);
  for (let i = at - 1; i >= 0; i--) {
    m.preIndent = getIndent(f.recs[i]!);
    if (m.preIndent !== -1) break;
    m.preBlank += 1;
    if (m.preBlank === MAX_BLANKS) {
      m.preIndent = 0;
      break;
    }
  }
  for (let i = at + 1; i < f.nrec; i++) {
    m.postIndent = getIndent(f.recs[i]!);
    if (m.postIndent !== -1) break;
    m.postBlank += 1;
    if (m.postBlank === MAX_BLANKS) {
      m.postIndent = 0;
      break;
    }
  }
  return m;
}

interface SplitScore {
  effectiveIndent: number;
  penalty: number;
}

function scoreAddSplit(m: SplitMeasurement, s: SplitScore): void {
  if (m.preIndent === -1 && m.preBlank === 0) s.penalty += START_OF_FILE_PENALTY;
  if (m.endOfFile) s.penalty += END_OF_FILE_PENALTY;
  const postBlank = m.indent === -1 ? 1 + m.postBlank : 0;
  const totalBlank = m.preBlank + postBlank;
  s.penalty += TOTAL_BLANK_WEIGHT * totalBlank;
  s.penalty += POST_BLANK_WEIGHT * postBlank;
  const indent = m.indent !== -1 ? m.indent : m.postIndent;
  const anyBlanks = totalBlank !== 0;
  s.effectiveIndent += indent;
  if (indent === -1 || m.preIndent === -1) {
    // nothing to add
  } else if (indent > m.preIndent) {
    s.penalty += anyBlanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY;
  } else if (indent === m.preIndent) {
    // nothing to add
  } else if (m.postIndent !== -1 && m.postIndent > indent) {
    s.penalty += anyBlanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY;
  } else {
    s.penalty += anyBlanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY;
  }
}

function scoreCmp(a: SplitScore, b: SplitScore): number {
  const cmpIndents = Number(a.effectiveIndent > b.effectiveIndent) - Number(a.effectiveIndent < b.effectiveIndent);
  return INDENT_WEIGHT * cmpIndents + (a.penalty - b.penalty);
}

/** Slides groups of changes so that equal diffs come out the same way git shows them. */
function changeCompact(f: SideFile, fo: SideFile, indentHeuristic: boolean): void {
  const g = groupInit(f);
  const go = groupInit(fo);
  for (;;) {
    if (g.end !== g.start) {
      let groupsize: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        groupsize = g.end - g.start;
        endMatchingOther = -1;
        while (groupSlideUp(f, g)) {
          if (!groupPrevious(fo, go)) throw new Error('xdiff: group sync broken sliding up');
        }
        earliestEnd = g.end;
        if (go.end > go.start) endMatchingOther = g.end;
        for (;;) {
          if (!groupSlideDown(f, g)) break;
          if (!groupNext(fo, go)) throw new Error('xdiff: group sync broken sliding down');
          if (go.end > go.start) endMatchingOther = g.end;
        }
      } while (groupsize !== g.end - g.start);

      if (g.end === earliestEnd) {
        // no shifting was possible
      } else if (endMatchingOther !== -1) {
        while (go.end === go.start) {
          if (!groupSlideUp(f, g)) throw new Error('xdiff: match disappeared');
          if (!groupPrevious(fo, go)) throw new Error('xdiff: group sync broken sliding to match');
        }
      } else if (indentHeuristic) {
        let shift = earliestEnd;
        if (g.end - groupsize - 1 > shift) shift = g.end - groupsize - 1;
        if (g.end - INDENT_HEURISTIC_MAX_SLIDING > shift) shift = g.end - INDENT_HEURISTIC_MAX_SLIDING;
        let bestShift = -1;
        let bestScore: SplitScore = { effectiveIndent: 0, penalty: 0 };
        for (; shift <= g.end; shift++) {
          const score: SplitScore = { effectiveIndent: 0, penalty: 0 };
          scoreAddSplit(measureSplit(f, shift), score);
          scoreAddSplit(measureSplit(f, shift - groupsize), score);
          if (bestShift === -1 || scoreCmp(score, bestScore) <= 0) {
            bestScore = score;
            bestShift = shift;
          }
        }
        while (g.end > bestShift) {
          if (!groupSlideUp(f, g)) throw new Error('xdiff: best shift unreached');
          if (!groupPrevious(fo, go)) throw new Error('xdiff: group sync broken sliding to blank line');
        }
      }
    }
    if (!groupNext(f, g)) break;
    if (!groupNext(fo, go)) throw new Error('xdiff: group sync broken moving to next group');
  }
}

function buildScript(f1: SideFile, f2: SideFile): DiffChange[] {
  const out: DiffChange[] = [];
  let i1 = f1.nrec;
  let i2 = f2.nrec;
  for (; i1 >= 0 || i2 >= 0; i1--, i2--) {
    if (changed(f1, i1 - 1) || changed(f2, i2 - 1)) {
      const l1 = i1;
      const l2 = i2;
      while (changed(f1, i1 - 1)) i1--;
      while (changed(f2, i2 - 1)) i2--;
      out.push({ i1, chg1: l1 - i1, i2, chg2: l2 - i2 });
    }
  }
  return out.reverse();
}

/** Diffs two lists of records (see splitRecords) as git's xdiff does with the default Myers algorithm. */
export function diffRecords(a: readonly string[], b: readonly string[], options: DiffOptions = {}): DiffChange[] {
  const [f1, f2] = prepare([...a], [...b]);
  compareRecords(f1, f2);
  const indent = options.indentHeuristic === true;
  changeCompact(f1, f2, indent);
  changeCompact(f2, f1, indent);
  return buildScript(f1, f2);
}
