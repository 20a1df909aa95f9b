// Labels on forge's pull requests: created when the repository lacks them, then applied. Labels
// are a courtesy: a token that may not create or apply them (403) skips them, it never fails the run.

import type { LabelSpec, RepoName } from '../core/github.js';
import { describe, type Api } from './api.js';

export async function addLabels(api: Api, repo: RepoName, number: number, labels: readonly LabelSpec[]): Promise<{ applied: string[]; skipped: string[] }> {
  const target = { owner: repo.owner, repo: repo.name };
  const available: string[] = [];
  const skipped: string[] = [];
  for (const label of labels) {
    const found = await api.attempt(repo.host, `reading the label '${label.name}' of ${describe(repo)}`, (c) => c.rest.issues.getLabel({ ...target, name: label.name }), [404]);
    if (found.ok) {
      available.push(label.name);
      continue;
    }
    const created = await api.attempt(
      repo.host,
      `creating the label '${label.name}' in ${describe(repo)}`,
      (c) => c.rest.issues.createLabel({ ...target, name: label.name, color: label.color, description: label.description }),
      [403, 404, 422],
    );
    // 422: made meanwhile (another run) — there now, which is all that matters.
    if (created.ok || created.failure.status === 422) available.push(label.name);
    else skipped.push(label.name);
  }
  if (available.length === 0) return { applied: [], skipped };
  const added = await api.attempt(repo.host, `labelling pull request #${number} of ${describe(repo)}`, (c) => c.rest.issues.addLabels({ ...target, issue_number: number, labels: available }), [403, 404]);
  return added.ok ? { applied: available, skipped } : { applied: [], skipped: [...skipped, ...available] };
}
