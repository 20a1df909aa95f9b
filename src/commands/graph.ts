import { Flags } from '@oclif/core';
import { ForgeCommand } from '../cli/base-command.js';
import { renderDot, renderMermaid, renderTree } from '../resolve/index.js';
import { lockedGraph } from '../sync/graph.js';

export default class Graph extends ForgeCommand {
  static override summary = 'Show the resolved dependency graph: components, locked versions and the range that pulled each in.';
  static override examples = ['<%= config.bin %> graph', '<%= config.bin %> graph --format mermaid', '<%= config.bin %> graph --format dot | dot -Tsvg > graph.svg'];
  static override flags = {
    format: Flags.string({ description: 'Output format.', options: ['tree', 'mermaid', 'dot'], default: 'tree' }),
  };

  async run() {
    const { flags } = await this.parse(Graph);
    return this.withEngine({ mutate: false, offline: true }, async (ctx) => {
      const nodes = await lockedGraph(ctx);
      const render = flags.format === 'mermaid' ? renderMermaid : flags.format === 'dot' ? renderDot : renderTree;
      this.say(render(nodes));
      return { components: nodes };
    });
  }
}
