// forge's help: oclif's layout, but a subject that names no command gets forge's
// unknown-command error (nearest commands, exit 2) instead of "Command sync:bogus not found.".

import { Help } from '@oclif/core';
import { failUnknownCommand } from './not-found.js';

export default class ForgeHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const helpFlags = new Set(['--help', '-h', ...((this.config.pjson.oclif as { additionalHelpFlags?: string[] }).additionalHelpFlags ?? [])]);
    const words: string[] = [];
    for (const arg of argv) {
      if (arg === '--') break;
      if (helpFlags.has(arg)) continue;
      if (arg.startsWith('-')) break;
      words.push(arg);
    }
    // The longest run of words naming a command or topic; after a topic, the next word must be one too.
    let known = 0;
    while (known < words.length && (this.config.findCommand(words.slice(0, known + 1).join(':')) || this.config.findTopic(words.slice(0, known + 1).join(':')))) known++;
    const prefix = words.slice(0, known).join(':');
    const isCommand = known > 0 && Boolean(this.config.findCommand(prefix));
    if (words.length > known && !isCommand) failUnknownCommand(this.config, words.slice(0, known + 1), argv);
    // A command's own help directly: oclif's subject search skips the word `help`, so
    // `forge help help` would otherwise show the root help.
    if (isCommand) return this.showCommandHelp(this.config.findCommand(prefix)!);
    return super.showHelp(argv);
  }
}
