// Unknown commands: the nearest real ones, habits from npm/cargo/git, never an internal id.

import { describe, expect, it } from 'vitest';
import { distance, unknownCommand } from '../../src/cli/suggest.js';
import { colorEnabled, isCI, progressEnabled } from '../../src/cli/terminal.js';

const COMMANDS = ['add', 'demo', 'dev diff', 'dev edit', 'graph', 'help', 'init', 'remove', 'version', 'sync conflicts list', 'sync log', 'sync pull', 'sync resolve', 'sync stash list', 'sync stash pop', 'sync status', 'sync undo'];
const TOPICS = ['dev', 'sync', 'sync conflicts', 'sync stash'];

describe('unknownCommand', () => {
  it('a typo gets the nearest command, one topic down', () => {
    expect(unknownCommand(['staus'], COMMANDS, TOPICS)).toEqual({ typed: 'staus', scope: '', suggestions: ['sync status'] });
    expect(unknownCommand(['stauts'], COMMANDS, TOPICS).suggestions).toEqual(['sync status']);
  });

  it('git and cargo habits point at the command under its topic', () => {
    expect(unknownCommand(['status'], COMMANDS, TOPICS).suggestions).toEqual(['sync status']);
    expect(unknownCommand(['pull'], COMMANDS, TOPICS).suggestions).toEqual(['sync pull']);
    expect(unknownCommand(['diff'], COMMANDS, TOPICS).suggestions).toEqual(['dev diff']);
    expect(unknownCommand(['install'], COMMANDS, TOPICS).suggestions).toEqual(['add']);
    expect(unknownCommand(['update'], COMMANDS, TOPICS).suggestions).toEqual(['sync pull']);
  });

  it('inside a topic: the typed words are the user’s, never an id with colons', () => {
    // oclif's id for `forge sync push x` is sync:push:x; the user typed the command `sync push`.
    expect(unknownCommand(['sync', 'push', 'x'], COMMANDS, TOPICS)).toEqual({ typed: 'sync push', scope: 'sync', suggestions: [] });
    expect(unknownCommand(['sync', 'pul', 'x'], COMMANDS, TOPICS)).toEqual({ typed: 'sync pul', scope: 'sync', suggestions: ['sync pull'] });
    expect(unknownCommand(['sync', 'stat'], COMMANDS, TOPICS).suggestions).toEqual(['sync status']);
    expect(unknownCommand(['sync', 'bogus'], COMMANDS, TOPICS)).toEqual({ typed: 'sync bogus', scope: 'sync', suggestions: [] });
  });

  it('nothing close: no suggestion rather than a wild one', () => {
    expect(unknownCommand(['frobnicate'], COMMANDS, TOPICS).suggestions).toEqual([]);
    expect(unknownCommand(['x'], COMMANDS, TOPICS).suggestions).toEqual([]);
    expect(unknownCommand(['nope'], COMMANDS, TOPICS).suggestions).toEqual([]);
  });

  it('only a command that exists is ever suggested (a habit whose command is absent is dropped)', () => {
    expect(unknownCommand(['install'], ['init', 'remove'], []).suggestions).toEqual([]);
    expect(unknownCommand(['merge'], ['sync pull'], ['sync']).suggestions).toEqual(['sync pull']);
  });

  it('distance counts an adjacent swap as one edit, like git', () => {
    expect(distance('staus', 'status')).toBe(1);
    expect(distance('stauts', 'status')).toBe(1);
    expect(distance('push', 'pull')).toBe(2);
    expect(distance('', 'abc')).toBe(3);
  });
});

describe('terminal rules', () => {
  it('colour: FORCE_COLOR wins, then NO_COLOR and TERM=dumb turn it off, else only a TTY', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(true, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(false, { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' })).toBe(true);
    expect(colorEnabled(true, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(true, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('CI means any value but empty, 0 or false', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({})).toBe(false);
  });

  it('progress only on a TTY, outside CI, without --json or --quiet', () => {
    expect(progressEnabled(true, {}, { json: false, quiet: false })).toBe(true);
    expect(progressEnabled(false, {}, { json: false, quiet: false })).toBe(false);
    expect(progressEnabled(true, { CI: 'true' }, { json: false, quiet: false })).toBe(false);
    expect(progressEnabled(true, {}, { json: true, quiet: false })).toBe(false);
    expect(progressEnabled(true, {}, { json: false, quiet: true })).toBe(false);
  });
});
