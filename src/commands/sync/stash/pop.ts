import { Args } from '@oclif/core';
import { ForgeCommand } from '../../../cli/base-command.js';
import { popStash } from '../../../sync/history-ops.js';

export default class StashPop extends ForgeCommand {
  static override summary = 'Re-apply the newest stash of a component with a three-way merge.';
  static override examples = ['<%= config.bin %> sync stash pop salesforce-lookup'];
  static override args = { component: Args.string({ required: true, description: 'Local name of the component.' }) };

  async run() {
    const { args } = await this.parse(StashPop);
    return this.withEngine({ mutate: true }, async (ctx) => {
      const result = await popStash(ctx, args.component);
      const json = {
        component: args.component,
        applied: result.applied,
        merged: result.merged,
        conflicts: result.conflicts.map((c) => ({ type: c.type, file: c.file })),
        dropped: result.dropped,
      };
      if (result.merged.length) this.note(`Auto-merge successful for: ${result.merged.join(', ')}`);
      for (const c of result.conflicts) this.say(`Conflict (${c.type}) in: ${c.file}`);
      if (result.conflicts.length) {
        this.say(`The stash is kept. Run 'forge sync resolve ${args.component}' to resolve conflicts`);
        this.exitWithWorkLeft(json);
      }
      this.note(`${this.c('green', '✓')} Popped the stash of ${args.component} (${result.applied.length} file(s))`);
      return json;
    });
  }
}
