import { Args } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { colorPatch } from '../../cli/render.js';
import { diffComponents } from '../../sync/dev.js';

const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

export default class DevDiff extends ForgeCommand {
  static override summary = 'Local changes against the locked upstream files: a unified diff, and YAML/JSON field by field.';
  static override examples = ['<%= config.bin %> dev diff', '<%= config.bin %> dev diff salesforce-lookup'];
  static override args = { component: Args.string({ description: 'Only this component.' }) };

  async run() {
    const { args } = await this.parse(DevDiff);
    return this.withEngine({ mutate: false }, async (ctx) => {
      const diffs = await diffComponents(ctx, args.component ? [args.component] : []);
      for (const d of diffs) {
        for (const f of d.files) {
          if (f.fields && f.fields.length) {
            for (const field of f.fields) {
              this.say(
                field.kind === 'changed'
                  ? `${this.c('yellow', 'Modified:')} ${field.field} (${show(field.before)} → ${show(field.after)})`
                  : field.kind === 'added'
                    ? `${this.c('green', 'Added:')} ${field.field} = ${show(field.after)}`
                    : `${this.c('red', 'Removed:')} ${field.field} (was ${show(field.before)})`,
              );
            }
          }
        }
        for (const f of d.files) this.say(colorPatch(f.patch.replace(/\n$/, ''), this.colors));
      }
      if (diffs.every((d) => d.files.length === 0)) this.say('No local changes.');
      return { components: diffs };
    });
  }
}
