// The checker that holds the loopback GitHub to GitHub's OpenAPI description must itself catch
// what does not conform, or its silence in the server's tests would prove nothing.

import { describe, expect, test } from 'vitest';
import { OPENAPI_SOURCE, OPERATIONS, requestProblems, responseProblems, validate } from '../helpers/openapi.js';

describe('the OpenAPI checker', () => {
  test('the extract comes from a pinned @octokit/openapi and holds every operation forge calls', () => {
    expect(OPENAPI_SOURCE).toMatch(/^@octokit\/openapi@\d+\.\d+\.\d+ /);
    expect(OPERATIONS).toEqual(
      expect.arrayContaining([
        'GET /repos/{owner}/{repo}',
        'POST /repos/{owner}/{repo}/forks',
        'GET /repos/{owner}/{repo}/git/ref/{ref}',
        'POST /repos/{owner}/{repo}/merge-upstream',
        'GET /repos/{owner}/{repo}/pulls',
        'POST /repos/{owner}/{repo}/pulls',
        'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
        'GET /user',
      ]),
    );
  });

  test('missing required fields, wrong types and values outside an enum are reported with their path', () => {
    expect(responseProblems('GET /repos/{owner}/{repo}', 200, { name: 'x' })).toContain('GET /repos/{owner}/{repo} 200: $: missing required clone_url');
    expect(responseProblems('POST /repos/{owner}/{repo}/merge-upstream', 200, { merge_type: 'rebase' })).toEqual([
      'POST /repos/{owner}/{repo}/merge-upstream 200: $.merge_type: "rebase" is not one of ["merge","fast-forward","none"]',
    ]);
    expect(responseProblems('GET /repos/{owner}/{repo}/git/ref/{ref}', 200, { ref: 'refs/heads/main', node_id: 'x', url: 'http://x/', object: { type: 'commit', sha: 'abc', url: 'not a url' } })).toEqual([
      'GET /repos/{owner}/{repo}/git/ref/{ref} 200: $.object.sha: shorter than 40',
      'GET /repos/{owner}/{repo}/git/ref/{ref} 200: $.object.url: not a uri: not a url',
    ]);
  });

  test('a status the operation does not have is reported; nullable fields accept null', () => {
    expect(responseProblems('POST /repos/{owner}/{repo}/merge-upstream', 201, {})).toEqual(['POST /repos/{owner}/{repo}/merge-upstream: status 201 is not among 200, 409, 422']);
    expect(validate({ type: 'string', nullable: true }, null)).toEqual([]);
    expect(validate({ type: 'string' }, null)).toEqual(['$: expected string, got null']);
  });

  test("forge's requests are checked too", () => {
    expect(requestProblems('POST /repos/{owner}/{repo}/pulls', { title: 'x' })).toEqual([
      'POST /repos/{owner}/{repo}/pulls request: $: missing required head',
      'POST /repos/{owner}/{repo}/pulls request: $: missing required base',
    ]);
    expect(requestProblems('POST /repos/{owner}/{repo}/pulls', { title: 'x', head: 'me:b', base: 'main', draft: true })).toEqual([]);
  });
});
