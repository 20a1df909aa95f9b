// Progress of long fetches and pushes: one line on stderr that rewrites itself, as git prints
// "Receiving objects:  45% (450/1000), 1.20 MiB | 350.00 KiB/s". The rendering is pure (state and
// the time in, text out); ProgressView owns the terminal line and decides when to redraw.

import type { ProgressEvent } from '../core/ports.js';
import { redact } from '../errors.js';

type TransferEvent = Extract<ProgressEvent, { type: 'transfer' }>;

export interface TransferState {
  repository: string;
  operation: 'fetch' | 'push';
  phase: string;
  loaded: number;
  total: number | null;
  /** Bytes moved so far, when the transport says. */
  bytes: number | null;
  /** When the first event of this transfer arrived (ms). */
  startedAt: number;
  /** When its latest event arrived (ms). */
  updatedAt: number;
}

/** A transfer that has said nothing for this long no longer counts as under way. */
export const STALE_AFTER_MS = 2000;
/** The line is redrawn at most this often, unless a phase starts or ends. */
export const REDRAW_EVERY_MS = 100;

/** `1023 bytes`, `1.20 KiB`, `3.45 MiB`, `1.02 GiB`: git's units. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The repository as a person reads it: no scheme, no credentials, no `.git`. */
export function displayRepository(repository: string): string {
  return redact(repository)
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/^[^/@]*@/, '')
    .replace(/\.git$/, '')
    .replace(/\/$/, '');
}

/**
 * Whether two names are one repository. The engine names a repository as forge.yaml writes it
 * (`company/crm-tools`, a URL, a path) and the git layer by the URL it talks to
 * (`https://github.com/company/crm-tools.git`): equal once shown, or one ends with the other
 * at a path boundary.
 */
export function sameRepository(a: string, b: string): boolean {
  const x = displayRepository(a);
  const y = displayRepository(b);
  if (x === y) return true;
  const [long, short] = x.length > y.length ? [x, y] : [y, x];
  return short.length > 0 && long.endsWith(`/${short}`);
}

function rate(amount: number, elapsedMs: number): number | null {
  // Under a quarter of a second a rate is noise (git waits too before it shows one).
  return elapsedMs >= 250 ? (amount * 1000) / elapsedMs : null;
}

/** One transfer: `crm-tools: Receiving objects  45% (450/1000), 1.20 MiB | 350.00 KiB/s`. */
export function renderTransfer(t: TransferState, now: number): string {
  const elapsed = now - t.startedAt;
  const progress = t.total !== null && t.total > 0 ? `${String(Math.floor((t.loaded * 100) / t.total)).padStart(3)}% (${count(t.loaded)}/${count(t.total)})` : count(t.loaded);
  // Only bytes known (a pack still arriving over HTTP): no object count to show.
  const bytesOnly = t.total === null && t.loaded === 0 && t.bytes !== null;
  let text = `${displayRepository(t.repository)}: ${t.phase}${bytesOnly ? '' : ` ${progress}`}`;
  if (t.bytes !== null) {
    text += `${bytesOnly ? ' ' : ', '}${formatBytes(t.bytes)}`;
    const perSecond = rate(t.bytes, elapsed);
    if (perSecond !== null) text += ` | ${formatBytes(perSecond)}/s`;
  } else {
    const perSecond = rate(t.loaded, elapsed);
    if (perSecond !== null && t.total !== t.loaded) text += ` | ${count(Math.round(perSecond))} objects/s`;
  }
  return text;
}

/**
 * The whole line for the transfers under way: the one transfer in detail, or several summed
 * (`Fetching 3 repositories: 1,450 objects, 3.40 MiB | 1.10 MiB/s`). Cut to `width - 1` columns
 * so it never wraps (a wrapped line cannot be rewritten). Empty when nothing is under way.
 */
export function renderProgressLine(transfers: readonly TransferState[], now: number, width: number): string {
  const active = transfers.filter((t) => now - t.updatedAt < STALE_AFTER_MS);
  if (active.length === 0) return '';
  const verb = active.every((t) => t.operation === 'fetch') ? 'Fetching' : active.every((t) => t.operation === 'push') ? 'Pushing' : 'Transferring';
  let text: string;
  if (active.length === 1) text = `${verb} ${renderTransfer(active[0]!, now)}`;
  else {
    const objects = active.reduce((sum, t) => sum + t.loaded, 0);
    const withBytes = active.filter((t) => t.bytes !== null);
    const bytes = withBytes.reduce((sum, t) => sum + (t.bytes ?? 0), 0);
    const since = Math.min(...active.map((t) => t.startedAt));
    text = `${verb} ${active.length} repositories: ${count(objects)} objects`;
    if (withBytes.length) {
      text += `, ${formatBytes(bytes)}`;
      const perSecond = rate(bytes, now - since);
      if (perSecond !== null) text += ` | ${formatBytes(perSecond)}/s`;
    }
  }
  return truncate(text, width);
}

export function truncate(text: string, width: number): string {
  const max = Math.max(10, width - 1);
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Folds a transfer event into the states (pure: returns the new list). */
export function applyTransfer(states: readonly TransferState[], event: TransferEvent, now: number): TransferState[] {
  const index = states.findIndex((t) => t.repository === event.repository && t.operation === event.operation);
  const previous = index >= 0 ? states[index]! : undefined;
  const next: TransferState = {
    repository: event.repository,
    operation: event.operation,
    phase: event.phase,
    loaded: event.loaded,
    total: event.total,
    bytes: event.bytes ?? previous?.bytes ?? null,
    startedAt: previous?.startedAt ?? now,
    updatedAt: now,
  };
  return index >= 0 ? states.map((t, i) => (i === index ? next : t)) : [...states, next];
}

export interface ProgressViewOptions {
  write(text: string): void;
  /** Draw the rewriting line (a terminal, not CI, not --json, not --quiet). */
  live: boolean;
  /** Print structural and debug events as lines (--verbose). */
  verbose: boolean;
  /** The terminal understands `ESC [ K` (not TERM=dumb). */
  escapes: boolean;
  now(): number;
  columns(): number;
  dim(text: string): string;
}

/**
 * Owns the progress line on stderr. Every other line written to stderr or stdout while it is
 * shown goes through `clear()` first, so text never lands in the middle of the progress line.
 */
export class ProgressView {
  private transfers: TransferState[] = [];
  private fetching = new Set<string>();
  private shown = '';
  private drawnAt = -Infinity;
  private phases = new Map<string, string>();

  constructor(private readonly options: ProgressViewOptions) {}

  handle(event: ProgressEvent): void {
    const o = this.options;
    switch (event.type) {
      case 'transfer': {
        const now = o.now();
        const key = `${event.operation} ${event.repository}`;
        const phaseChanged = this.phases.get(key) !== event.phase;
        this.phases.set(key, event.phase);
        this.transfers = applyTransfer(this.transfers, event, now);
        if (o.verbose && phaseChanged) this.line(o.dim(`${event.operation === 'fetch' ? 'Fetching' : 'Pushing'} ${displayRepository(event.repository)}: ${event.phase}`));
        if (o.live && (phaseChanged || event.loaded === event.total || now - this.drawnAt >= REDRAW_EVERY_MS)) this.draw();
        return;
      }
      case 'list-refs':
        if (o.verbose) this.line(o.dim(`Listing refs of ${displayRepository(event.repository)}`));
        return;
      case 'fetch':
        this.fetching.add(event.repository);
        if (o.verbose) this.line(o.dim(`Fetching ${displayRepository(event.repository)}`));
        if (o.live) this.draw();
        return;
      case 'fetched':
        this.fetching.delete(event.repository);
        const ended = this.transfers.filter((t) => t.operation === 'fetch' && sameRepository(t.repository, event.repository));
        for (const t of ended) this.phases.delete(`fetch ${t.repository}`);
        this.transfers = this.transfers.filter((t) => !ended.includes(t));
        if (o.verbose) this.line(o.dim(`${displayRepository(event.repository)}: ${event.fetched ? 'fetched' : 'already in the cache'}`));
        if (o.live) this.draw();
        return;
      case 'component':
        if (o.live || o.verbose) this.line(`${event.name}: ${event.message}`);
        return;
      case 'debug':
        if (o.verbose) this.line(o.dim(`debug: ${redact(event.message)}`));
        return;
      case 'warning':
        // Rendered by the command (annotations too); it calls line() for the text.
        return;
    }
  }

  /** A line that stays, written above the progress line. */
  line(text: string): void {
    const shown = this.shown;
    this.clear();
    this.options.write(`${text}\n`);
    if (shown) this.draw();
  }

  /** Removes the progress line (before other output, and at the end). */
  clear(): void {
    if (!this.shown) return;
    const o = this.options;
    o.write(o.escapes ? '\r\u001b[K' : `\r${' '.repeat([...this.shown].length)}\r`);
    this.shown = '';
  }

  private draw(): void {
    const o = this.options;
    const now = o.now();
    let text = renderProgressLine(this.transfers, now, o.columns());
    if (!text && this.fetching.size) {
      const [only] = this.fetching;
      text = truncate(this.fetching.size === 1 ? `Fetching ${displayRepository(only!)}…` : `Fetching ${this.fetching.size} repositories…`, o.columns());
    }
    this.drawnAt = now;
    if (text === this.shown) return;
    if (!text) return this.clear();
    const pad = !o.escapes && [...this.shown].length > [...text].length ? ' '.repeat([...this.shown].length - [...text].length) : '';
    o.write(`\r${text}${o.escapes ? '\u001b[K' : pad}`);
    this.shown = text;
  }
}
