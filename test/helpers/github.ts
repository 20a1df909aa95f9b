/**
 * The loopback GitHub of src/demo/github-server.ts on a fresh loopback Git server, with every
 * API exchange checked against GitHub's OpenAPI description (test/github-openapi):
 *
 *   const hub = await startGitHub();
 *   hub.github.addUser({ login: 'octocat', token: OCTOCAT });
 *   await makeRepo(hub.git.root, 'acme/tools', { files: {...} });  hub.github.addRepository('acme', 'tools');
 *   ... forge runs with hub.env(OCTOCAT) ...
 *   expect(hub.problems).toEqual([]);        // every response and request as GitHub's description says
 *   await hub.stop();
 */
import { attachGitHub, type GitHubServer, type GitHubServerOptions } from '../../src/demo/github-server.js';
import { startGitServer, type GitServer } from './git-server.js';
import { OPERATIONS, requestProblems, responseProblems } from './openapi.js';

export * from '../../src/demo/github-server.js';

export interface LoopbackGitHub {
  git: GitServer;
  github: GitHubServer;
  /** Deviations from GitHub's OpenAPI description seen so far (responses and forge's requests). */
  problems: string[];
  /** GH_HOST (and a token, when given) for a forge run against this server. */
  env(token?: string): NodeJS.ProcessEnv;
  /** `${git.url}/OWNER/NAME.git`: the address forge.yaml uses. */
  address(fullName: string): string;
  stop(): Promise<void>;
}

export async function startGitHub(options: GitHubServerOptions = {}): Promise<LoopbackGitHub> {
  const git = await startGitServer();
  const github = attachGitHub(git, options);
  const problems: string[] = [];
  github.onExchange = (exchange) => {
    if (!OPERATIONS.includes(exchange.route)) {
      problems.push(`${exchange.method} ${exchange.path}: not an operation the fake serves (${exchange.status})`);
      return;
    }
    problems.push(...responseProblems(exchange.route, exchange.status, exchange.response));
    if (exchange.request !== null) problems.push(...requestProblems(exchange.route, exchange.request));
  };
  return {
    git,
    github,
    problems,
    env: (token) => ({ GH_HOST: github.host, ...(token ? { GH_TOKEN: token } : {}) }),
    address: (fullName) => `${git.url}/${fullName}.git`,
    stop: async () => {
      github.detach();
      await git.stop();
    },
  };
}
