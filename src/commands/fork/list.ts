import { ForgeCommand } from '../../cli/base-command.js';
import { table } from '../../cli/render.js';
import { listForks } from '../../sync/fork-sync.js';

export default class ForkList extends ForgeCommand {
  static override summary = "Your forks of the upstream repositories in forge.yaml: the ones forge made, and every other fork you own on GitHub.";
  static override description = 'Needs a GitHub token (GH_TOKEN, GITHUB_TOKEN, FORGE_TOKEN, or a logged-in gh) to find the forks you own.';
  static override examples = ['<%= config.bin %> fork list', '<%= config.bin %> fork list --json'];

  async run() {
    await this.parse(ForkList);
    return this.withEngine({ mutate: false }, async (ctx) => {
      const list = await listForks(ctx);
      if (list.forks.length === 0) this.say('No forks of the repositories in forge.yaml.');
      else {
        this.say(
          table(
            ['Fork', 'Upstream', 'Branch', 'Made by'],
            list.forks.map((f) => [f.fork, f.upstream, f.defaultBranch, f.madeByForge ? 'forge' : 'you']),
          ),
        );
      }
      for (const gone of list.gone) this.say(`${this.c('yellow', '!')} ${gone} is gone from GitHub.`);
      if (list.notOnGitHub.length) this.say(`Not on a GitHub host (no forks to find): ${list.notOnGitHub.join(', ')}`);
      return list;
    });
  }
}
