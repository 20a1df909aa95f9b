// The update pull request's text: what other people's commit subjects may not do in it, and the
// marker and trailer by which forge knows its own pull requests and commits.

import { describe, expect, it } from 'vitest';
import { closingComment, commitMessage, escapeText, isUpdateBody, isUpdateCommit, pullRequestBody, pullRequestTitle, type ComponentUpdate } from '../../src/sync/update-body.js';

const update = (overrides: Partial<ComponentUpdate> = {}): ComponentUpdate => ({
  name: 'button',
  repository: 'github.com/acme/tools',
  path: 'components/button',
  dest: 'components/button',
  action: 'merge',
  from: { version: '1.0.0', commit: 'a'.repeat(40) },
  to: { version: '1.1.0', commit: 'b'.repeat(40) },
  localEdits: ['button.tsx', 'style.css'],
  merged: ['button.tsx'],
  adopted: [],
  upstream: {
    compareUrl: 'https://github.com/acme/tools/compare/aaa...bbb',
    total: 3,
    commits: [{ sha: 'c'.repeat(40), subject: 'Fix <script> | pipes, thanks @octocat (#42) [link](x)', url: 'https://github.com/acme/tools/commit/ccc' }],
  },
  ...overrides,
});

describe('the update pull request body', () => {
  it('one row per component: versions with the compare link, subjects linked, local edits kept and merged', () => {
    const body = pullRequestBody({ branch: 'forge/update', updates: [update()], needsPerson: [] });
    expect(body.startsWith('<!-- forge:update v1 -->\n')).toBe(true);
    expect(body).toContain('| `button` | 1.0.0 → **1.1.0** ([compare](https://github.com/acme/tools/compare/aaa...bbb)) | [`ccccccc`](https://github.com/acme/tools/commit/ccc) Fix \\<script\\> \\| pipes, thanks @\u200boctocat (#\u200b42) \\[link\\](x) | merged with upstream: `button.tsx`; kept as they are: `style.css` |');
    expect(body).toContain('Edits this repository made to it are kept, merged three-way with the upstream changes.');
    expect(isUpdateBody(body)).toBe(true);
    expect(body).toContain('<!-- forge:update {"branch":"forge/update","components":["button"]} -->');
  });

  it('commit subjects cannot mention anyone, link this repository\'s issues, or break the table', () => {
    const escaped = escapeText('@team see #7 | `code` <b>bold</b>\nsecond line');
    expect(escaped).not.toMatch(/@team|#7/);
    expect(escaped).not.toMatch(/(^|[^\\])[|<>`]/);
    expect(escaped).not.toContain('\n');
  });

  it('past ten subjects the rest are counted and linked to the comparison', () => {
    const commits = Array.from({ length: 12 }, (_, i) => ({ sha: String(i).padStart(40, '0'), subject: `change ${i}`, url: `https://x/${i}` }));
    const body = pullRequestBody({ branch: 'b', updates: [update({ upstream: { compareUrl: 'https://x/compare', total: 12, commits } })], needsPerson: [] });
    expect(body).toContain('change 9');
    expect(body).not.toContain('change 10');
    expect(body).toContain('… and 2 more ([compare](https://x/compare))');
  });

  it('an upstream off GitHub, a range that did not touch the folder, a new and a removed component', () => {
    const body = pullRequestBody({
      branch: 'b',
      updates: [
        update({ name: 'a', upstream: { compareUrl: null, total: null, commits: null }, localEdits: [], merged: [], action: 'update' }),
        update({ name: 'b', upstream: { compareUrl: 'https://x', total: 2, commits: [] }, localEdits: [], merged: [] }),
        update({ name: 'c', action: 'install', from: null, localEdits: [], merged: [], upstream: { compareUrl: null, total: null, commits: null } }),
        update({ name: 'd', action: 'remove', to: null, localEdits: [], merged: [], upstream: { compareUrl: null, total: null, commits: null } }),
      ],
      needsPerson: [],
    });
    expect(body).toContain('| `a` | 1.0.0 → **1.1.0** | not listed (the upstream is not on GitHub) | none |');
    expect(body).toContain('none of the 2 upstream commits touched `components/button`');
    expect(body).toContain('| `c` | new: **1.1.0** | newly required | none |');
    expect(body).toContain('| `d` | 1.0.0 → removed | no longer needed by any component | - |');
  });

  it('local edits: merged, taken upstream, or kept as they are, each said', () => {
    const body = pullRequestBody({ branch: 'b', updates: [update({ localEdits: ['a', 'b', 'c'], merged: ['a'], adopted: ['b'] }), update({ name: 'x', localEdits: ['y'], merged: [], adopted: ['y'] })], needsPerson: [] });
    expect(body).toContain('| merged with upstream: `a`; upstream has them now: `b`; kept as they are: `c` |');
    expect(body).toContain('| none left; upstream has them now: `y` |');
  });

  it('a folder with include/exclude: commits listed by folder are not passed off as changes to the selected files', () => {
    const same = pullRequestBody({ branch: 'b', updates: [update({ filtered: { selectionChanged: false }, localEdits: [], merged: [] })], needsPerson: [] });
    expect(same).toContain('| none changed the selected files (1 commit changed only files in `components/button` that include/exclude leave out) | none |');
    const changed = pullRequestBody({ branch: 'b', updates: [update({ filtered: { selectionChanged: true } })], needsPerson: [] });
    expect(changed).toContain('<br>(commits that touched `components/button`; some may have changed only files include/exclude leave out) |');
    expect(pullRequestBody({ branch: 'b', updates: [update()], needsPerson: [] })).not.toContain('include/exclude');
  });

  it('the opening sentence does not call edits kept when upstream has all of them', () => {
    const all = pullRequestBody({ branch: 'b', updates: [update({ localEdits: ['y'], merged: ['y'], adopted: ['y'] })], needsPerson: [] });
    expect(all).toContain('Upstream now has the edits this repository made to it: no local edits are left.');
    expect(all).not.toContain('are kept');
    expect(all).toContain('| none left; upstream has them now: `y` |');
    const some = pullRequestBody({ branch: 'b', updates: [update({ localEdits: ['a', 'y'], merged: ['a'], adopted: ['y'] })], needsPerson: [] });
    expect(some).toContain('Edits this repository made to it are kept, merged three-way with the upstream changes; upstream now has some of them as they are here.');
  });

  it('components that need a person get their own section, with the command to run', () => {
    const body = pullRequestBody({
      branch: 'b',
      updates: [update()],
      needsPerson: [{ name: 'card', reason: 'conflict', message: 'x', files: ['component.yaml'], from: '1.0.0', to: '1.1.0', command: 'forge sync pull card --merge && forge sync resolve card' }],
    });
    expect(body).toContain('### Needs a person');
    expect(body).toContain('| `card` | 1.0.0 → 1.1.0 | conflicts in `component.yaml` | `forge sync pull card --merge && forge sync resolve card` |');
  });
});

describe('titles, commits and closing comments', () => {
  it('titles name the one component, or count them', () => {
    expect(pullRequestTitle([update()])).toBe('Update button to 1.1.0');
    expect(pullRequestTitle([update(), update({ name: 'card' })])).toBe('Update 2 forge components');
    expect(pullRequestTitle([update({ action: 'remove', to: null })])).toBe('Remove button (no longer needed)');
  });

  it("the commit carries the trailer forge recognises its own commits by; someone else's commit does not", () => {
    const message = commitMessage('forge/update', [update()]);
    expect(message).toBe('Update button to 1.1.0\n\n- button: 1.0.0 → 1.1.0 (local edits merged)\n\nForge-Update-Branch: forge/update\n');
    expect(isUpdateCommit(message)).toBe(true);
    expect(isUpdateCommit('Fix a typo in the update\n\nmentions Forge-Update-Branch: in passing')).toBe(false);
  });

  it('the closing comment says why, and what still needs a person', () => {
    expect(closingComment([])).toContain('forge found nothing left to update');
    const withPeople = closingComment([{ name: 'card', reason: 'conflict', message: 'x', files: ['a'], from: '1', to: '2', command: 'forge sync pull card --merge' }]);
    expect(withPeople).toContain('the rest needs a person');
    expect(withPeople).toContain('`card`');
  });
});
