// The workflow-command rules forge follows instead of loading @actions/core: escaping of data and
// properties, the heredoc form of multi-line outputs with its random delimiter, and that nothing
// written carries a registered secret.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Actions, annotation, escapeData, escapeProperty, outputEntry, randomDelimiter } from '../../src/cli/actions.js';
import { registerSecret } from '../../src/errors.js';

describe('workflow command escaping', () => {
  it('message data: % first, then CR and LF', () => {
    expect(escapeData('100% done\r\nnext %0A')).toBe('100%25 done%0D%0Anext %250A');
  });

  it('properties also escape : and ,', () => {
    expect(escapeProperty('a,b:c%\n')).toBe('a%2Cb%3Ac%25%0A');
  });

  it('an annotation line: level, properties in order, escaped message, one line', () => {
    expect(annotation('warning', 'button is outdated:\n1.0.0 → 1.1.0', { file: 'sub dir/forge.yaml', line: 3, title: 'forge: a, b' })).toBe(
      '::warning file=sub dir/forge.yaml,line=3,title=forge%3A a%2C b::button is outdated:%0A1.0.0 → 1.1.0\n',
    );
    expect(annotation('error', 'plain')).toBe('::error::plain\n');
    expect(annotation('notice', 'x', { file: 'forge.yaml', line: undefined })).toBe('::notice file=forge.yaml::x\n');
  });

  it('a registered secret never reaches an annotation or an output', () => {
    registerSecret('s3cret-token-value');
    expect(annotation('error', 'failed with s3cret-token-value', { title: 's3cret-token-value' })).toBe('::error title=***::failed with ***\n');
    expect(outputEntry('x', 'token s3cret-token-value')).toBe('x=token ***\n');
  });
});

describe('outputs', () => {
  it('one line: name=value', () => {
    expect(outputEntry('pr-url', 'https://github.com/a/b/pull/1')).toBe('pr-url=https://github.com/a/b/pull/1\n');
  });

  it('several lines: name<<DELIMITER, the value, DELIMITER', () => {
    expect(outputEntry('body', 'line 1\nline 2', 'ghadelimiter_x')).toBe('body<<ghadelimiter_x\nline 1\nline 2\nghadelimiter_x\n');
    expect(outputEntry('cr', 'a\rb', 'D')).toBe('cr<<D\na\rb\nD\n');
  });

  it('a value holding the delimiter is refused: it would end the value early and forge the outputs after it', () => {
    expect(() => outputEntry('body', 'x\nEOF\nadmin=true', 'EOF')).toThrow(/contains the delimiter/);
  });

  it('names that would break the file format are refused', () => {
    for (const name of ['', 'a=b', 'a\nb', 'a<<b']) expect(() => outputEntry(name, 'v')).toThrow(/Invalid GitHub Actions output name/);
  });

  it('random delimiters differ from run to run', () => {
    const a = randomDelimiter();
    expect(a).toMatch(/^ghadelimiter_[0-9a-f-]{36}$/);
    expect(randomDelimiter()).not.toBe(a);
  });

  it('Actions writes outputs and the summary only where the runner says, annotations only under GITHUB_ACTIONS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-actions-'));
    const output = join(dir, 'out');
    const summary = join(dir, 'summary');
    writeFileSync(output, 'earlier=1\n');
    writeFileSync(summary, '');
    const written: string[] = [];
    const actions = new Actions({ GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary }, (text) => written.push(text));
    actions.output({ count: 2, ok: true, list: ['a', 'b'], text: 'x' });
    actions.summary('### title\n\n| a |\n');
    actions.annotate('notice', 'hi', { file: 'forge.yaml', line: 1 });
    expect(readFileSync(output, 'utf8')).toBe('earlier=1\ncount=2\nok=true\nlist=["a","b"]\ntext=x\n');
    expect(readFileSync(summary, 'utf8')).toBe('### title\n\n| a |\n\n');
    expect(written).toEqual(['::notice file=forge.yaml,line=1::hi\n']);

    const outside = new Actions({}, (text) => written.push(text));
    outside.annotate('error', 'nope');
    outside.output({ a: 1 });
    outside.summary('nope');
    expect(written).toHaveLength(1);
  });
});
