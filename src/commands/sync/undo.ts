import { Args } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { undo } from '../../sync/history-ops.js';

export default class Undo extends ForgeCommand {
  static override summary = 'Put back the files and lock entry from before the last pull, resolve or stash pop (repeat to go further back).';
  static override examples = ['<%= config.bin %> sync undo salesforce-lookup'];
  static override args = { component: Args.string({ required: true, description: 'Local name of the component.' }) };

  async run() {
    const { args } = await this.parse(Undo);
    return this.withEngine({ mutate: true }, async (ctx) => {
      const result = await undo(ctx, args.component);
      const together = result.together.length ? ` (together with ${result.together.join(', ')}, changed by the same ${result.undone.op})` : '';
      this.note(`${this.c('green', '✓')} Undid ${result.undone.op} of ${result.undone.at} on ${args.component}: ${result.undone.summary}${together}`);
      return {
        component: args.component,
        undone: { id: result.undone.id, op: result.undone.op, at: result.undone.at, summary: result.undone.summary },
        together: result.together,
      };
    });
  }
}
