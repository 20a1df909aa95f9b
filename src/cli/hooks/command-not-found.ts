// oclif calls this when argv names no command: forge's error with the nearest commands.

import type { Hook } from '@oclif/core';
import { commandWords, failUnknownCommand } from '../not-found.js';

const hook: Hook<'command_not_found'> = async function (options) {
  failUnknownCommand(options.config, commandWords(options.id), [options.id, ...(options.argv ?? [])]);
};

export default hook;
