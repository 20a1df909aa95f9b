import { Args, loadHelpClass } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { describeCommands } from '../cli/reference.js';

export default class HelpCommand extends ForgeCommand {
  static override summary = 'Show help for forge, a topic or a command.';
  static override description = 'The same text as -h and --help. With --json, every command (or the one named) with its arguments, flags and examples.';
  static override strict = false;
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help sync pull', '<%= config.bin %> sync pull -h', '<%= config.bin %> help add --json'];
  static override args = { command: Args.string({ description: 'A command or topic, in words: sync pull.' }) };

  async run() {
    const { argv } = await this.parse(HelpCommand);
    const words = (argv as string[]).filter(Boolean);
    if (this.json) return { commands: describeCommands(this.config, words) };
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(words);
    return { commands: [] };
  }
}
