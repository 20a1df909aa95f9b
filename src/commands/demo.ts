import { Flags } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { ForgeError } from '../errors.js';
import { runDemo } from '../demo/run-demo.js';

export default class Demo extends ForgeCommand {
  static override summary = 'Run forge end to end on sample upstream repositories served on loopback: add with a dependency, edit, merge an upstream release, settle a conflict, push the edit to a fork and open a pull request, then open the update pull request a scheduled job would.';
  static override description = 'Needs git (with git http-backend), no network and no token: the sample upstreams are served with a GitHub-compatible API of their own on 127.0.0.1. Everything happens in a temporary folder that is removed afterwards unless --keep is given.';
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --keep'];
  static override flags = { keep: Flags.boolean({ description: 'Keep the temporary folder (workspace, upstream repositories, object cache) and say how to use it offline.' }) };

  async run() {
    const { flags } = await this.parse(Demo);
    try {
      const result = await runDemo({ write: (line) => this.say(line), colors: this.colors, keep: flags.keep });
      return result;
    } catch (error) {
      if (error instanceof ForgeError) throw error;
      throw new ForgeError('E_INTERNAL', `The demo stopped: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'It needs git with git-http-backend (Debian: apt-get install git). Run with DEBUG=forge for details.',
        cause: error,
      });
    }
  }
}
