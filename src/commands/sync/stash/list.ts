import { ForgeCommand } from '../../../cli/base-command.js';
import { listStashes } from '../../../sync/history-ops.js';
import { diffSnapshots } from '../../../sync/snapshot.js';

export default class StashList extends ForgeCommand {
  static override summary = "Local changes set aside by 'forge sync pull --stash'.";
  static override examples = ['<%= config.bin %> sync stash list'];

  async run() {
    await this.parse(StashList);
    return this.withEngine({ mutate: false, offline: true }, async (ctx) => {
      const stashes = await listStashes(ctx);
      if (stashes.length === 0) this.say('No stashes.');
      // A stash keeps the whole folder (the three-way pop needs it); what was set aside is what differs from its base.
      const changed = new Map<string, string[]>();
      for (const s of stashes) {
        const base = await ctx.trees.get(s.base.tree);
        changed.set(s.id, base ? diffSnapshots(base, s.files).map((c) => c.path) : s.files.map((f) => f.path));
      }
      for (const s of stashes) this.say(`${s.component}: ${changed.get(s.id)!.length} file(s) stashed at ${s.at} on ${s.base.version ?? s.base.commit.slice(0, 7)}`);
      return { stashes: stashes.map((s) => ({ id: s.id, component: s.component, at: s.at, baseVersion: s.base.version ?? null, baseCommit: s.base.commit, files: changed.get(s.id)! })) };
    });
  }
}
