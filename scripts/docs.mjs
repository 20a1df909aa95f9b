#!/usr/bin/env node
// npm run docs: writes docs/commands.md from the commands themselves, as the built CLI describes
// them (`forge help --json`). test/integration/docs-reference.test.ts fails while it is stale.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReferenceMarkdown } from '../dist/cli/reference.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_ENV;
delete env.FORCE_COLOR;
const json = execFileSync(process.execPath, ['bin/run.js', 'help', '--json'], { cwd: root, env, encoding: 'utf8' });
const target = fileURLToPath(new URL('../docs/commands.md', import.meta.url));
writeFileSync(target, renderReferenceMarkdown(JSON.parse(json).commands, { bin: 'forge', regenerate: 'npm run docs' }));
console.log('wrote docs/commands.md');
