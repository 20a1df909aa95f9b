import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { editField } from '../../sync/dev.js';

const show = (v: unknown) => (v === undefined || v === null ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

export default class DevEdit extends ForgeCommand {
  static override summary = 'Set one field of a YAML or JSON file in a component, keeping comments and formatting.';
  static override examples = ['<%= config.bin %> dev edit salesforce-lookup --field config.timeout --value 60', '<%= config.bin %> dev edit salesforce-lookup --file schema.json --field properties.limit.maximum --value 500'];
  static override args = { component: Args.string({ required: true, description: 'Local name of the component.' }) };
  static override flags = {
    field: Flags.string({ required: true, description: 'Dotted field path, e.g. config.timeout.' }),
    value: Flags.string({ required: true, description: 'New value (YAML scalar: 60 is a number, true a boolean).' }),
    file: Flags.string({ description: 'File in the component (default component.yaml).' }),
  };

  async run() {
    const { args, flags } = await this.parse(DevEdit);
    return this.withEngine({ mutate: true }, async (ctx) => {
      const result = await editField(ctx, { component: args.component, field: flags.field, value: flags.value, ...(flags.file !== undefined ? { file: flags.file } : {}) });
      this.note(`Modified: ${result.field} (${show(result.before)} → ${show(result.after)}) in ${result.file}`);
      return result;
    });
  }
}
