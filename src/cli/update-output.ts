// The job summary of `forge sync pull --pr` (and of status): Markdown for $GITHUB_STEP_SUMMARY.

import { code, escapeText, needsPersonSection, versionLabel } from '../sync/update-body.js';
import type { UpdatePrResult } from '../sync/update-pr.js';

export function updateSummary(result: UpdatePrResult): string {
  const lines = ['### forge: component updates', ''];
  if (result.updates.length === 0 && result.needsPerson.length === 0) lines.push('Every component is at the newest version its range allows.', '');
  if (result.updates.length > 0) {
    lines.push('| Component | From | To | Local edits |', '| --- | --- | --- | --- |');
    for (const u of result.updates) {
      const edits = u.localEdits.length === 0 ? 'none' : u.merged.length > 0 ? `kept, merged: ${u.merged.map(code).join(', ')}` : `kept (${u.localEdits.length} file${u.localEdits.length === 1 ? '' : 's'})`;
      lines.push(`| ${code(u.name)} | ${u.action === 'install' ? 'new' : versionLabel(u.from)} | ${u.action === 'remove' ? 'removed' : versionLabel(u.to)} | ${edits} |`);
    }
    lines.push('');
  }
  for (const pr of result.pullRequests) {
    const what = pr.operation === 'created' ? 'Opened' : pr.operation === 'updated' ? 'Updated' : pr.operation === 'closed' ? 'Closed (nothing left to update)' : 'Unchanged';
    lines.push(`- ${what}: [pull request #${pr.number}](${pr.url}) on ${code(pr.branch)}${pr.components.length ? ` (${pr.components.map(escapeText).join(', ')})` : ''}`);
  }
  if (result.pullRequests.length > 0) lines.push('');
  lines.push(...needsPersonSection(result.needsPerson));
  return lines.join('\n');
}
