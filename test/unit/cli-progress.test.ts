// The progress line as a pure function of the transfers and the time, and the view that owns
// the terminal line: what it writes for a TTY, TERM=dumb, --verbose, and when it stays silent.

import { describe, expect, it } from 'vitest';
import { applyTransfer, displayRepository, formatBytes, ProgressView, renderProgressLine, renderTransfer, type TransferState } from '../../src/cli/progress.js';
import type { ProgressEvent } from '../../src/core/ports.js';

const REPO = 'http://127.0.0.1:4000/crm-tools.git';

const transfer = (over: Partial<TransferState> = {}): TransferState => ({
  repository: REPO,
  operation: 'fetch',
  phase: 'Receiving objects',
  loaded: 450,
  total: 1000,
  bytes: 1.2 * 1024 * 1024,
  startedAt: 0,
  updatedAt: 2000,
  ...over,
});

describe('rendering a transfer', () => {
  it('says bytes as git does', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1.2 * 1024 * 1024)).toBe('1.20 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
  });

  it('names the repository without scheme, credentials or .git', () => {
    expect(displayRepository('https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/org/repo.git')).toBe('github.com/org/repo');
    expect(displayRepository('github.com/org/repo')).toBe('github.com/org/repo');
    expect(displayRepository(REPO)).toBe('127.0.0.1:4000/crm-tools');
  });

  it('shows the phase, percent, counts, bytes and a byte rate', () => {
    expect(renderTransfer(transfer(), 2000)).toBe('127.0.0.1:4000/crm-tools: Receiving objects  45% (450/1,000), 1.20 MiB | 614.40 KiB/s');
  });

  it('counts objects and shows an object rate when the transport gives no bytes or no total', () => {
    expect(renderTransfer(transfer({ bytes: null, total: null, loaded: 300 }), 3000)).toBe('127.0.0.1:4000/crm-tools: Receiving objects 300 | 100 objects/s');
  });

  it('shows no rate in the first quarter second, when it would be noise', () => {
    expect(renderTransfer(transfer({ startedAt: 1900 }), 2000)).toBe('127.0.0.1:4000/crm-tools: Receiving objects  45% (450/1,000), 1.20 MiB');
  });

  it('sums several repositories on one line', () => {
    const line = renderProgressLine(
      [transfer(), transfer({ repository: 'http://h/other.git', loaded: 50, bytes: 0.8 * 1024 * 1024, startedAt: 1000 })],
      2000,
      200,
    );
    expect(line).toBe('Fetching 2 repositories: 500 objects, 2.00 MiB | 1.00 MiB/s');
  });

  it('says Pushing for a push, and forgets a transfer that has said nothing for a while', () => {
    expect(renderProgressLine([transfer({ operation: 'push', phase: 'Writing objects' })], 2000, 200)).toMatch(/^Pushing 127\.0\.0\.1:4000\/crm-tools: Writing objects/);
    expect(renderProgressLine([transfer({ updatedAt: 0 })], 5000, 200)).toBe('');
  });

  it('never wraps: the line is cut to the terminal width', () => {
    const line = renderProgressLine([transfer()], 2000, 40);
    expect([...line].length).toBe(39);
    expect(line.endsWith('…')).toBe(true);
  });

  it('keeps when a transfer started and the last bytes it reported', () => {
    let states = applyTransfer([], { type: 'transfer', repository: REPO, operation: 'fetch', phase: 'Receiving objects', loaded: 1, total: 10, bytes: 100 }, 5);
    states = applyTransfer(states, { type: 'transfer', repository: REPO, operation: 'fetch', phase: 'Resolving deltas', loaded: 2, total: 4 }, 9);
    expect(states).toEqual([{ repository: REPO, operation: 'fetch', phase: 'Resolving deltas', loaded: 2, total: 4, bytes: 100, startedAt: 5, updatedAt: 9 }]);
  });
});

function view(options: { live: boolean; verbose?: boolean; escapes?: boolean }) {
  let now = 0;
  let out = '';
  const v = new ProgressView({
    write: (text) => (out += text),
    live: options.live,
    verbose: options.verbose ?? false,
    escapes: options.escapes ?? true,
    now: () => now,
    columns: () => 100,
    dim: (text) => `<${text}>`,
  });
  return {
    v,
    at: (ms: number) => (now = ms),
    get out() {
      return out;
    },
  };
}

const ev = (loaded: number, over: Partial<Extract<ProgressEvent, { type: 'transfer' }>> = {}): ProgressEvent => ({
  type: 'transfer',
  repository: REPO,
  operation: 'fetch',
  phase: 'Receiving objects',
  loaded,
  total: 100,
  bytes: loaded * 1024,
  ...over,
});

describe('the progress line on a terminal', () => {
  it('rewrites one line with carriage returns and erases it at the end', () => {
    const t = view({ live: true });
    t.v.handle({ type: 'fetch', repository: REPO });
    t.at(500);
    t.v.handle(ev(10));
    t.at(1000);
    t.v.handle(ev(20));
    t.v.clear();
    expect(t.out).toBe(
      '\rFetching 127.0.0.1:4000/crm-tools…\u001b[K' +
        '\rFetching 127.0.0.1:4000/crm-tools: Receiving objects  10% (10/100), 10.00 KiB\u001b[K' +
        '\rFetching 127.0.0.1:4000/crm-tools: Receiving objects  20% (20/100), 20.00 KiB | 40.00 KiB/s\u001b[K' +
        '\r\u001b[K',
    );
    expect(t.out).not.toContain('\n');
  });

  it('redraws at most every 100 ms, but always for a new phase and the last object', () => {
    const t = view({ live: true });
    t.at(1000);
    t.v.handle(ev(1));
    t.at(1050);
    t.v.handle(ev(2)); // too soon: not drawn
    t.at(1060);
    t.v.handle(ev(100)); // done: drawn
    t.at(1070);
    t.v.handle(ev(1, { phase: 'Resolving deltas', total: 5, bytes: undefined })); // new phase: drawn
    const draws = t.out.split('\r').filter((s) => s.startsWith('Fetching'));
    expect(draws.map((d) => /\((\d+)\//.exec(d)?.[1])).toEqual(['1', '100', '1']);
    expect(draws[2]).toContain('Resolving deltas');
  });

  it('writes lasting lines above the progress line and draws it again below', () => {
    const t = view({ live: true });
    t.at(0);
    t.v.handle(ev(10));
    t.v.line('warning: slow server');
    expect(t.out.split('\r\u001b[K')[1]).toBe('warning: slow server\n\rFetching 127.0.0.1:4000/crm-tools: Receiving objects  10% (10/100), 10.00 KiB\u001b[K');
  });

  it('a fetch ends its transfer line although the engine names the repository as written and git by its URL', () => {
    const t = view({ live: true });
    t.at(0);
    t.v.handle({ type: 'fetch', repository: 'company/crm-tools' });
    t.v.handle(ev(40, { repository: 'https://github.com/company/crm-tools.git' }));
    t.at(100);
    t.v.handle({ type: 'fetch', repository: 'company/other' });
    t.v.handle(ev(10, { repository: 'https://github.com/company/other.git' }));
    t.at(200);
    t.v.handle({ type: 'fetched', repository: 'company/crm-tools', fetched: true });
    // Only the other repository is left on the line, at once (not 2 s later when the first goes stale).
    expect(t.out.split('\r').at(-1)).toBe('Fetching github.com/company/other: Receiving objects  10% (10/100), 10.00 KiB\u001b[K');
    t.at(300);
    t.v.handle({ type: 'fetched', repository: 'company/other', fetched: true });
    expect(t.out.endsWith('\r\u001b[K')).toBe(true);
  });

  it('under TERM=dumb overwrites with spaces instead of escape sequences', () => {
    const t = view({ live: true, escapes: false });
    t.at(0);
    t.v.handle({ type: 'fetch', repository: 'http://h/a-long-repository-name.git' });
    t.v.handle({ type: 'fetched', repository: 'http://h/a-long-repository-name.git', fetched: true });
    expect(t.out).not.toContain('\u001b');
    expect(t.out).toBe('\rFetching h/a-long-repository-name…' + '\r' + ' '.repeat('Fetching h/a-long-repository-name…'.length) + '\r');
  });

  it('prints nothing at all when not live (a pipe, CI, --json, --quiet) and not verbose', () => {
    const t = view({ live: false });
    t.v.handle({ type: 'list-refs', repository: REPO });
    t.v.handle({ type: 'fetch', repository: REPO });
    t.v.handle(ev(50));
    t.v.handle({ type: 'fetched', repository: REPO, fetched: true });
    t.v.handle({ type: 'debug', message: 'GET /info/refs 200' });
    t.v.handle({ type: 'component', name: 'x', message: 'installed' });
    t.v.clear();
    expect(t.out).toBe('');
  });

  it('--verbose prints what happens as plain lines, debug events included, tokens redacted', () => {
    const t = view({ live: false, verbose: true });
    t.v.handle({ type: 'list-refs', repository: REPO });
    t.v.handle({ type: 'fetch', repository: REPO });
    t.v.handle(ev(50));
    t.v.handle(ev(60));
    t.v.handle({ type: 'fetched', repository: REPO, fetched: false });
    t.v.handle({ type: 'debug', message: 'retry https://tok:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/x after 503' });
    expect(t.out).toBe(
      [
        '<Listing refs of 127.0.0.1:4000/crm-tools>',
        '<Fetching 127.0.0.1:4000/crm-tools>',
        '<Fetching 127.0.0.1:4000/crm-tools: Receiving objects>',
        '<127.0.0.1:4000/crm-tools: already in the cache>',
        '<debug: retry https://***@github.com/x after 503>',
        '',
      ].join('\n'),
    );
  });
});
