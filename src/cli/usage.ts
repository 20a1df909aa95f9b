// Usage errors: oclif's parse errors (missing argument, unknown flag, bad value, exclusive flags)
// become one ForgeError (E_USAGE, exit 2) that keeps the whole message, names the usage line and
// points at the command's help. Read by structure (the fields oclif's parse errors carry), the
// message text only to drop oclif's own "See more help" line.

import { ForgeError } from '../errors.js';
import { distance } from './suggest.js';

/** What a usage error needs to know about the command that was run (its static definition). */
export interface CommandShape {
  /** Space-separated id, as the user types it: `sync pull`. */
  id: string;
  args?: Record<string, { required?: boolean; description?: string } | undefined>;
  flags?: Record<string, { char?: string; hidden?: boolean } | undefined>;
  /** false when the command takes any number of arguments. */
  strict?: boolean;
}

interface ParseErrorShape {
  message?: string;
  oclif?: { exit?: number };
  parse?: unknown;
  args?: unknown[];
  flags?: unknown[];
}

const ansi = /\u001b\[[0-9;]*m/g;

/** oclif's errors from parsing argv: they all exit 2 (CLIError's default) or carry `parse`. */
export function isUsageError(error: unknown): boolean {
  const e = error as ParseErrorShape | null;
  return Boolean(e && typeof e === 'object' && (e.parse !== undefined || e.oclif?.exit === 2));
}

/** `forge add REPOSITORY COMPONENT [FLAGS]` */
export function usageLine(bin: string, command: CommandShape): string {
  const args = Object.entries(command.args ?? {}).map(([name, arg]) => (arg?.required ? name.toUpperCase() : `[${name.toUpperCase()}${command.strict === false ? '…' : ''}]`));
  return [bin, command.id, ...args, '[FLAGS]'].filter(Boolean).join(' ');
}

export function usageError(error: unknown, bin: string, command: CommandShape): ForgeError {
  const e = error as ParseErrorShape;
  const usage = usageLine(bin, command);
  const hint = `See '${[bin, command.id].filter(Boolean).join(' ')} --help'.`;
  let message: string;
  const data: Record<string, unknown> = { usage };
  if (Array.isArray(e.args) && e.args.length && typeof e.args[0] === 'object') {
    // Missing required arguments: name each with its description, as the help does.
    const names = Object.entries(command.args ?? {})
      .filter(([, arg]) => e.args!.includes(arg))
      .map(([name, arg]) => ({ name: name.toUpperCase(), description: arg?.description ?? '' }));
    const missing = names.length ? names : (e.args as { name?: string; description?: string }[]).map((a) => ({ name: (a.name ?? '?').toUpperCase(), description: a.description ?? '' }));
    const width = Math.max(...missing.map((m) => m.name.length));
    message = [
      `Missing ${missing.length} required argument${missing.length === 1 ? '' : 's'}: ${missing.map((m) => m.name).join(', ')}.`,
      ...missing.map((m) => `  ${m.name.padEnd(width)}  ${m.description}`.trimEnd()),
    ].join('\n');
    data.missing = missing.map((m) => m.name);
  } else if (Array.isArray(e.args) && e.args.length) {
    const extra = e.args.map(String);
    message = `Unexpected argument${extra.length === 1 ? '' : 's'}: ${extra.join(', ')}.`;
    data.unexpected = extra;
  } else if (Array.isArray(e.flags) && e.flags.length) {
    const unknown = e.flags.map(String);
    const known = Object.entries(command.flags ?? {})
      .filter(([, f]) => !f?.hidden)
      .map(([name]) => `--${name}`);
    const near = unknown.flatMap((flag) => {
      const bare = flag.replace(/=.*$/, '');
      const best = known.map((k) => ({ k, d: distance(bare, k) })).sort((a, b) => a.d - b.d)[0];
      return best && best.d <= 2 ? [best.k] : [];
    });
    message = `Unknown flag${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}.${near.length ? ` Did you mean ${near.join(', ')}?` : ''}`;
    data.unknown = unknown;
  } else {
    message = cleanMessage(e.message ?? String(error));
  }
  return new ForgeError('E_USAGE', `${message}\nUsage: ${usage}`, { hint, data, cause: error });
}

/** oclif's message without colour, its "See more help with --help" line and its tab indents. */
export function cleanMessage(message: string): string {
  return message
    .replace(ansi, '')
    .split('\n')
    .filter((line) => line.trim() !== 'See more help with --help')
    .map((line) => line.replace(/\t/g, '  ').trimEnd())
    .join('\n')
    .trim()
    // "Parsing --concurrency \n  Expected an integer…": one sentence naming the flag.
    .replace(/^Parsing (--[\w-]+)\s*\n\s*/, 'Invalid value for $1: ');
}
