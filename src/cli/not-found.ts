// An unknown command or help subject: say so in forge's error style with the nearest real
// commands, never in oclif's internal ids (`sync:push:x`), and exit 2.

import { Errors, type Config } from '@oclif/core';
import { ForgeError } from '../errors.js';
import { jsonRequested, printError } from './error-output.js';
import { unknownCommand } from './suggest.js';
import { colorEnabled } from './terminal.js';

const spaced = (id: string) => id.split(':').join(' ');

export function unknownCommandError(config: Pick<Config, 'commands' | 'topics' | 'bin'>, words: readonly string[]): ForgeError {
  if (words.length === 0) return new ForgeError('E_USAGE', 'No command given.', { hint: `Run '${config.bin} help' to see every command.` });
  const commands = config.commands.filter((c) => !c.hidden).map((c) => spaced(c.id));
  const topics = config.topics.filter((t) => !t.hidden).map((t) => spaced(t.name));
  const { typed, scope, suggestions } = unknownCommand(words, commands, topics);
  const quoted = suggestions.map((s) => `'${config.bin} ${s}'`);
  const hint =
    quoted.length === 1
      ? `Did you mean ${quoted[0]}?`
      : quoted.length > 1
        ? `Did you mean one of ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}?`
        : scope
          ? `Run '${config.bin} help ${scope}' to see its commands.`
          : `Run '${config.bin} help' to see every command.`;
  return new ForgeError('E_USAGE', `'${typed}' is not a ${config.bin} command.`, { hint, data: { command: typed, suggestions } });
}

/** Prints the error as every command does (JSON on stdout under --json) and ends with exit 2. */
export function failUnknownCommand(config: Pick<Config, 'commands' | 'topics' | 'bin'>, words: readonly string[], argv: readonly string[]): never {
  const error = unknownCommandError(config, words);
  printError(error, { json: jsonRequested(argv, process.env), colors: colorEnabled(process.stderr.isTTY, process.env) });
  throw new Errors.ExitError(error.exitCode);
}

/** The words the user typed as the command: oclif's id, split on ':' (a flag in its place is kept as typed). */
export function commandWords(id: string): string[] {
  return id.startsWith('-') ? [id] : id.split(':').filter(Boolean);
}
