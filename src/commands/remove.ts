import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { removeComponent } from '../sync/manage.js';

export default class Remove extends ForgeCommand {
  static override summary = 'Remove a component from forge.yaml and the lock, with its files and the dependencies nothing else needs.';
  static override examples = ['<%= config.bin %> remove salesforce-lookup', '<%= config.bin %> remove salesforce-lookup --keep-files', '<%= config.bin %> remove salesforce-lookup --force'];
  static override args = { component: Args.string({ required: true, description: 'Local name of the component.' }) };
  static override flags = {
    'keep-files': Flags.boolean({ description: 'Leave the files in place.' }),
    force: Flags.boolean({ description: "Remove folders with local changes too (kept for 'forge sync undo')." }),
  };

  async run() {
    const { args, flags } = await this.parse(Remove);
    return this.withEngine({ mutate: true }, async (ctx) => {
      const result = await removeComponent(ctx, { name: args.component, keepFiles: flags['keep-files'], force: flags.force });
      for (const r of result.removed) {
        const modified = r.localChanges.length ? ` (had ${r.localChanges.length} local change(s))` : '';
        const kept = flags['keep-files'] ? ', files kept' : modified;
        this.note(`Removed ${r.name} (${r.dest})${r.name === args.component ? '' : ` — ${r.note}`}${kept}`);
      }
      if (result.removed.length) {
        const others = result.removed.length > 1 ? ' with what was removed along with it' : '';
        this.note(`'forge sync undo ${args.component}' brings it back${others}.`);
      }
      return {
        removed: result.removed.map((r) => ({ name: r.name, dest: r.dest, localChanges: r.localChanges.map((c) => c.path) })),
        keptFiles: flags['keep-files'],
      };
    });
  }
}
