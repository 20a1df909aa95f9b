import { ForgeCommand } from '../../../cli/base-command.js';
import { listStashes } from '../../../sync/history-ops.js';

export default class StashList extends ForgeCommand {
  static override summary = "Local changes set aside by 'forge sync pull --stash'.";
  static override examples = ['<%= config.bin %> sync stash list'];

  async run() {
    await this.parse(StashList);
    return this.withEngine({ mutate: false, offline: true }, async (ctx) => {
      const stashes = await listStashes(ctx);
      if (stashes.length === 0) this.say('No stashes.');
      for (const { stash: s, files } of stashes) this.say(`${s.component}: ${files.length} file(s) stashed at ${s.at} on ${s.base.version ?? s.base.commit.slice(0, 7)}`);
      return { stashes: stashes.map(({ stash: s, files }) => ({ id: s.id, component: s.component, at: s.at, baseVersion: s.base.version ?? null, baseCommit: s.base.commit, files })) };
    });
  }
}
