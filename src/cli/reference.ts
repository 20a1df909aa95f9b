// The command reference, from the commands themselves (oclif's loaded config: every command of
// forge and of its plugins, with their arguments, flags and examples). `forge help --json` prints
// it; `npm run docs` renders that into docs/commands.md, and a test keeps the file current.

import type { Command, Config } from '@oclif/core';
import { unknownCommandError } from './not-found.js';

export interface ArgumentReference {
  name: string;
  description: string;
  required: boolean;
}

export interface FlagReference {
  name: string;
  char: string | null;
  description: string;
  /** true for a switch, false for a flag that takes a value. */
  boolean: boolean;
  required: boolean;
  multiple: boolean;
  options: string[] | null;
  default: unknown;
  exclusive: string[];
  /** Taken by every command (--json, --quiet, --verbose). */
  global: boolean;
}

export interface CommandReference {
  /** As typed: `sync pull`. */
  command: string;
  summary: string;
  description: string | null;
  usage: string;
  arguments: ArgumentReference[];
  flags: FlagReference[];
  examples: string[];
}

type ConfigLike = Pick<Config, 'commands' | 'topics' | 'bin'>;

const spaced = (id: string) => id.split(':').join(' ');

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function describe(command: Command.Loadable, bin: string): CommandReference {
  const args = Object.entries(command.args ?? {}).map(([name, arg]) => ({ name: name.toUpperCase(), description: text(arg.description), required: Boolean(arg.required) }));
  const flags = Object.entries(command.flags ?? {})
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]) => ({
      name,
      char: flag.char ?? null,
      description: text(flag.summary) || text(flag.description),
      boolean: flag.type === 'boolean',
      required: Boolean(flag.required),
      multiple: flag.type === 'option' && Boolean(flag.multiple),
      options: flag.type === 'option' && flag.options ? [...flag.options] : null,
      default: flag.default === undefined || typeof flag.default === 'function' ? null : flag.default,
      exclusive: [...(flag.exclusive ?? [])],
      global: flag.helpGroup === 'GLOBAL',
    }))
    .sort((a, b) => Number(a.global) - Number(b.global) || (a.name === 'json' ? 1 : 0) - (b.name === 'json' ? 1 : 0) || a.name.localeCompare(b.name));
  const variadic = command.strict === false;
  const usage = [
    bin,
    spaced(command.id),
    ...args.map((a) => (a.required ? a.name : `[${a.name}${variadic ? '…' : ''}]`)),
    ...(flags.some((f) => !f.global) ? ['[FLAGS]'] : []),
  ].join(' ');
  const examples = (command.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command).replace(/<%= config\.bin %>/g, bin));
  return {
    command: spaced(command.id),
    summary: text(command.summary) || text(command.description).split('\n')[0]!,
    description: command.summary && text(command.description) ? text(command.description) : null,
    usage,
    arguments: args,
    flags,
    examples,
  };
}

/** Every visible command, sorted; or those under the words given (one command, or a topic's). */
export function describeCommands(config: ConfigLike, words: readonly string[] = []): CommandReference[] {
  const visible = config.commands.filter((c) => !c.hidden).sort((a, b) => spaced(a.id).localeCompare(spaced(b.id)));
  if (words.length === 0) return visible.map((c) => describe(c, config.bin));
  const id = words.join(':');
  const exact = visible.filter((c) => c.id === id);
  const under = exact.length ? exact : visible.filter((c) => c.id.startsWith(`${id}:`));
  if (under.length === 0) throw unknownCommandError(config, words);
  return under.map((c) => describe(c, config.bin));
}

function flagLabel(flag: FlagReference): string {
  const long = `--${flag.name}${flag.boolean ? '' : flag.options ? `=${flag.options.join('|')}` : '=VALUE'}`;
  return flag.char ? `-${flag.char}, ${long}` : long;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-');

/**
 * docs/commands.md: a table of contents, the flags every command takes, then one section per
 * command (usage, arguments, flags, examples). Deterministic: the same commands give the same bytes.
 */
export function renderReferenceMarkdown(commands: readonly CommandReference[], options: { bin: string; regenerate: string }): string {
  const config = { bin: options.bin };
  const out: string[] = [];
  out.push('# Command reference', '');
  out.push(`Generated from the commands themselves by \`${options.regenerate}\`; do not edit by hand. The same text is`);
  out.push(`in the terminal: \`${config.bin} help COMMAND\`, \`${config.bin} COMMAND -h\`, and as JSON with \`${config.bin} help --json\`.`, '');
  for (const c of commands) out.push(`- [\`${config.bin} ${c.command}\`](#${anchor(`${config.bin} ${c.command}`)}): ${cell(c.summary)}`);
  out.push('');
  const globals = new Map<string, FlagReference>();
  for (const c of commands) for (const f of c.flags) if (f.global || f.name === 'json') globals.set(f.name, f);
  out.push('## Flags every command takes', '');
  out.push('| flag | meaning |', '| --- | --- |');
  for (const f of [...globals.values()].sort((a, b) => a.name.localeCompare(b.name))) out.push(`| \`${flagLabel(f)}\` | ${cell(f.description)} |`);
  out.push(
    '',
    `\`-h\`/\`--help\` after any command shows its help. \`${config.bin} -v\` and \`${config.bin} --version\` print the version; after a command, \`-v\` is \`--verbose\`.`,
    '',
  );
  for (const c of commands) {
    out.push(`## \`${config.bin} ${c.command}\``, '');
    out.push(c.summary, '');
    if (c.description) out.push(c.description, '');
    out.push('```', c.usage, '```', '');
    if (c.arguments.length) {
      out.push('| argument | required | meaning |', '| --- | --- | --- |');
      for (const a of c.arguments) out.push(`| \`${a.name}\` | ${a.required ? 'yes' : 'no'} | ${cell(a.description)} |`);
      out.push('');
    }
    const own = c.flags.filter((f) => !globals.has(f.name));
    if (own.length) {
      out.push('| flag | meaning |', '| --- | --- |');
      for (const f of own) {
        const notes = [
          f.required ? 'Required.' : '',
          f.multiple ? 'May be given more than once.' : '',
          f.default !== null && f.default !== false ? `Default: \`${String(f.default)}\`.` : '',
          f.exclusive.length ? `Not with ${f.exclusive.map((x) => `\`--${x}\``).join(', ')}.` : '',
        ].filter(Boolean);
        out.push(`| \`${flagLabel(f)}\` | ${cell([f.description, ...notes].join(' '))} |`);
      }
      out.push('');
    }
    if (c.examples.length) out.push('```sh', ...c.examples, '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
