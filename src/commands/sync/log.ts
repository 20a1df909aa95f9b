import { Args } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { log } from '../../sync/history-ops.js';

export default class Log extends ForgeCommand {
  static override summary = 'What forge did, when: pulls, merges, resolves, undos.';
  static override examples = ['<%= config.bin %> sync log', '<%= config.bin %> sync log salesforce-lookup --json'];
  static override args = { component: Args.string({ description: 'Only this component.' }) };

  async run() {
    const { args } = await this.parse(Log);
    return this.withEngine({ mutate: false, offline: true }, async (ctx) => {
      const entries = await log(ctx, args.component);
      if (entries.length === 0) this.say('Nothing recorded yet.');
      for (const e of entries) this.say(`${e.at}  ${e.component.padEnd(20)} ${e.op.padEnd(10)} ${e.summary}${e.undone ? ' (undone)' : ''}`);
      return { entries: entries.map(({ before: _b, after: _a, ...rest }) => ({ ...rest, undone: rest.undone ?? false })) };
    });
  }
}
