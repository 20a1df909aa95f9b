#!/usr/bin/env node
// Extracts, from GitHub's published OpenAPI description, the operations forge uses and the
// schemas they need, into github-rest-subset.json next to this file. The fake GitHub server's
// tests validate its responses (and forge's requests) against that extract, so the fake cannot
// drift from the real API.
//
//   node test/github-openapi/extract.mjs            # the pinned version below
//
// @octokit/openapi is ~400 MB unpacked, so it is never a dependency: `npm pack` fetches the
// pinned tarball (npm checks its integrity) into a temp folder, `tar` takes the one file needed,
// and the temp folder is removed. Commit the regenerated extract together with a VERSION change.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@octokit/openapi';
const VERSION = '23.0.2';
const DESCRIPTION = 'generated/api.github.com.json';
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'github-rest-subset.json');

/** The operations forge calls (src/github) and the fake GitHub serves (src/demo/github-server.ts). */
const OPERATIONS = [
  ['get', '/repos/{owner}/{repo}'],
  ['post', '/repos/{owner}/{repo}/forks'],
  ['get', '/repos/{owner}/{repo}/forks'],
  ['get', '/repos/{owner}/{repo}/git/ref/{ref}'],
  ['post', '/repos/{owner}/{repo}/merge-upstream'],
  ['get', '/repos/{owner}/{repo}/compare/{basehead}'],
  ['get', '/repos/{owner}/{repo}/pulls'],
  ['post', '/repos/{owner}/{repo}/pulls'],
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['patch', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/labels'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['get', '/repos/{owner}/{repo}/labels/{name}'],
  ['post', '/repos/{owner}/{repo}/labels'],
  ['get', '/repos/{owner}/{repo}/commits'],
  ['get', '/repos/{owner}/{repo}/git/commits/{commit_sha}'],
  ['get', '/repos/{owner}/{repo}/contents/{path}'],
  ['get', '/user'],
  ['get', '/installation/repositories'],
];

const temp = mkdtempSync(join(tmpdir(), 'forge-openapi-'));
try {
  const tarball = execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--silent', '--pack-destination', temp], { cwd: temp, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', join(temp, tarball), '-C', temp, `package/${DESCRIPTION}`]);
  const spec = JSON.parse(readFileSync(join(temp, 'package', DESCRIPTION), 'utf8'));

  const schemas = {};
  const pending = [];
  const refName = (ref) => {
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    if (!m) throw new Error(`unexpected $ref ${ref}`);
    return m[1];
  };
  /** Copies a schema without its documentation, queueing every component schema it references. */
  const take = (node, isPropertyMap = false) => {
    if (Array.isArray(node)) return node.map((item) => take(item));
    if (!node || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      // In a `properties` map every key is a field name (GitHub has fields called `description`).
      if (!isPropertyMap && (key === 'example' || key === 'examples' || key === 'description' || key.startsWith('x-'))) continue;
      if (!isPropertyMap && key === '$ref') pending.push(refName(value));
      out[key] = take(value, !isPropertyMap && key === 'properties');
    }
    return out;
  };
  const resolveResponse = (response) => {
    if (response.$ref) {
      const name = /^#\/components\/responses\/(.+)$/.exec(response.$ref)[1];
      return resolveResponse(spec.components.responses[name]);
    }
    const schema = response.content?.['application/json']?.schema;
    return schema ? take(schema) : null;
  };

  const operations = {};
  for (const [method, path] of OPERATIONS) {
    const op = spec.paths[path]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in ${PACKAGE}@${VERSION}`);
    const responses = {};
    for (const [status, response] of Object.entries(op.responses)) responses[status] = resolveResponse(response);
    const body = op.requestBody?.content?.['application/json']?.schema;
    operations[`${method.toUpperCase()} ${path}`] = { operationId: op.operationId, requestBody: body ? take(body) : null, responses };
  }
  while (pending.length) {
    const name = pending.pop();
    if (schemas[name]) continue;
    schemas[name] = true;
    schemas[name] = take(spec.components.schemas[name]);
  }
  const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
  const out = {
    source: `${PACKAGE}@${VERSION} ${DESCRIPTION}`,
    openapi: spec.openapi,
    apiVersion: spec.info.version,
    operations,
    components: { schemas: sorted },
  };
  writeFileSync(OUT, `${JSON.stringify(out, null, 1)}\n`);
  console.log(`wrote ${OUT}: ${Object.keys(operations).length} operations, ${Object.keys(sorted).length} schemas`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
