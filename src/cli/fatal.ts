// The last catch, in bin/run.js: an error that no forge command rendered (a plugin's command such
// as `forge autocomplete`, or oclif itself) is printed in forge's one error style, and every exit
// (forge's own ExitError included) leaves with its code. Loaded only when something was thrown.

import { Config, Errors, type Command } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { ForgeError, toForgeError } from '../errors.js';
import { jsonRequested, printError } from './error-output.js';
import { colorEnabled } from './terminal.js';
import { isUsageError, usageError, type CommandShape } from './usage.js';

interface Thrown {
  message?: string;
  code?: string;
  oclif?: { exit?: number };
  parse?: { input?: { context?: { id?: string; ctor?: Command.Class } } };
}

export async function handleFatal(error: unknown, dir: string | URL): Promise<never> {
  const e = (error ?? {}) as Thrown;
  if (error instanceof Errors.ExitError || e.code === 'EEXIT') process.exit(e.oclif?.exit ?? 1);
  // Ctrl-C during a prompt: the contract's 130, quietly.
  if (e.message === 'SIGINT') process.exit(130);
  const argv = process.argv.slice(2);
  const forge = error instanceof ForgeError ? error : isUsageError(error) ? usageError(error, 'forge', await commandShape(e, argv, dir)) : toForgeError(error);
  printError(forge, { json: jsonRequested(argv, process.env), colors: colorEnabled(process.stderr.isTTY, process.env) });
  process.exit(forge.exitCode);
}

/** The command that failed to parse: from the parse error when it says, else the longest run of argv words naming one. */
async function commandShape(e: Thrown, argv: string[], dir: string | URL): Promise<CommandShape> {
  const context = e.parse?.input?.context;
  if (context?.id && context.ctor) return { id: context.id.split(':').join(' '), args: context.ctor.args, flags: context.ctor.flags, strict: context.ctor.strict };
  try {
    const config = await Config.load(dir instanceof URL || dir.startsWith('file:') ? fileURLToPath(dir) : dir);
    const words: string[] = [];
    for (const arg of argv) {
      if (arg.startsWith('-')) break;
      words.push(arg);
    }
    for (let n = words.length; n > 0; n--) {
      const command = config.findCommand(words.slice(0, n).join(':'));
      if (command) return { id: words.slice(0, n).join(' '), args: command.args, flags: command.flags, strict: command.strict };
    }
  } catch {
    // No config to ask: the message stands without a usage line of its command.
  }
  return { id: '' };
}
