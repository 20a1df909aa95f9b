import { ForgeCommand } from '../cli/base-command.js';

export default class Version extends ForgeCommand {
  static override summary = 'Show the version of forge (also -v and --version).';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> --version', '<%= config.bin %> version --json'];

  async run() {
    await this.parse(Version);
    this.say(this.config.userAgent);
    return { name: this.config.name, version: this.config.version, node: process.version, platform: process.platform, arch: process.arch };
  }
}
