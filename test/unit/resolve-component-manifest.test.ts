import { describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { parseComponentManifest } from '../../src/resolve/index.js';

const FILE = 'github.com/company/crm-tools components/tools/salesforce-lookup/component.yaml';

function failure(text: string): ForgeError {
  try {
    parseComponentManifest(text, FILE);
  } catch (error) {
    if (error instanceof ForgeError) return error;
    throw error;
  }
  throw new Error('expected parseComponentManifest to fail');
}

describe('parseComponentManifest', () => {
  it('reads name, version and dependencies, and keeps the component’s own fields', () => {
    const manifest = parseComponentManifest(
      [
        'name: salesforce-lookup',
        "version: '2.1.3'",
        'settings:',
        '  apiVersion: 58',
        'dependencies:',
        '  - repository: github.com/tools/communication',
        '    component: email-composer',
        '    version: ~1.3.0',
        '  - repository: github.com/tools/ui',
        '    path: components/button/',
        '    ref: main',
        '    dest: vendor/button',
        '    name: ui-button',
        '  - repository: github.com/tools/ui',
        '    path: components/icons',
        '    commit: A1B2C3D4E5F6789012345678901234567890ABCD',
        '  - repository: github.com/tools/ui',
        '    component: grid',
      ].join('\n'),
      FILE,
    );
    expect(manifest.name).toBe('salesforce-lookup');
    expect(manifest.version).toBe('2.1.3');
    expect(manifest.raw.settings).toEqual({ apiVersion: 58 });
    expect(manifest.dependencies).toEqual([
      { repository: 'github.com/tools/communication', component: 'email-composer', version: '~1.3.0', selector: { kind: 'version', range: '~1.3.0' }, line: 6 },
      { repository: 'github.com/tools/ui', path: 'components/button', ref: 'main', dest: 'vendor/button', name: 'ui-button', selector: { kind: 'ref', ref: 'main' }, line: 9 },
      {
        repository: 'github.com/tools/ui',
        path: 'components/icons',
        commit: 'a1b2c3d4e5f6789012345678901234567890abcd',
        selector: { kind: 'commit', commit: 'a1b2c3d4e5f6789012345678901234567890abcd' },
        line: 14,
      },
      { repository: 'github.com/tools/ui', component: 'grid', selector: { kind: 'version', range: '*' }, line: 17 },
    ]);
  });

  it('accepts an empty file or one without dependencies', () => {
    expect(parseComponentManifest('', FILE)).toEqual({ dependencies: [], raw: {} });
    expect(parseComponentManifest('# nothing yet\n', FILE).dependencies).toEqual([]);
    expect(parseComponentManifest('name: x\ndependencies:\n', FILE)).toMatchObject({ name: 'x', dependencies: [] });
  });

  it('names file, line and field of an invalid range', () => {
    const error = failure('name: x\ndependencies:\n  - repository: github.com/o/r\n    component: y\n    version: ^^1\n');
    expect(error.code).toBe('E_COMPONENT_INVALID');
    expect(error.message).toBe(`${FILE}, line 5: field \`dependencies[0].version\` '^^1' is not a valid semver range.`);
    expect(error.data).toMatchObject({ file: FILE, line: 5, field: 'dependencies[0].version' });
  });

  it('refuses a range written as a YAML number, which would lose digits', () => {
    const error = failure('dependencies:\n  - repository: github.com/o/r\n    component: y\n    version: 1.10\n');
    expect(error.message).toContain('line 4: field `dependencies[0].version` must be a non-empty string (quote it)');
  });

  it('wants exactly one of version, ref and commit', () => {
    const error = failure('dependencies:\n  - repository: github.com/o/r\n    component: y\n    version: ^1.0.0\n    ref: main\n');
    expect(error.message).toContain('line 5: field `dependencies[0].ref` cannot be combined with `version`');
  });

  it('wants component or path, and a repository', () => {
    expect(failure('dependencies:\n  - repository: github.com/o/r\n    version: ^1.0.0\n').message).toContain(
      'line 2: field `dependencies[0]` needs `component` (found by name) or `path` (folder upstream)',
    );
    expect(failure('dependencies:\n  - component: y\n').message).toContain('line 2: field `dependencies[0].repository` is required');
  });

  it('refuses paths and destinations that leave the repository', () => {
    const error = failure('dependencies:\n  - repository: github.com/o/r\n    path: ok/path\n  - repository: github.com/o/r\n    path: a/b\n    dest: ../outside\n');
    expect(error.message).toContain("line 6: field `dependencies[1].dest` '../outside' goes outside the repository ('..')");
    expect(failure('dependencies:\n  - repository: github.com/o/r\n    path: /etc\n').message).toContain('line 3: field `dependencies[0].path`');
  });

  it('refuses a short commit and unknown dependency fields', () => {
    expect(failure('dependencies:\n  - repository: github.com/o/r\n    path: a\n    commit: abc123\n').message).toContain(
      'line 4: field `dependencies[0].commit` must be a full 40-hex commit id',
    );
    expect(failure('dependencies:\n  - repository: github.com/o/r\n    path: a\n    verison: ^1.0.0\n').message).toContain(
      'line 4: field `dependencies[0].verison` is not a dependency field',
    );
  });

  it('reports every problem in data and counts the others in the message', () => {
    const error = failure('name: 12\ndependencies:\n  - repository: github.com/o/r\n    path: ../x\n  - 42\n');
    expect(error.message).toBe(`${FILE}, line 1: field \`name\` must be a non-empty string (quote it) (and 2 more problems).`);
    expect((error.data.issues as { line: number }[]).map((i) => i.line)).toEqual([1, 4, 5]);
  });

  it('reports broken YAML and a non-mapping document with their line', () => {
    expect(failure('name: x\ndependencies:\n  - repository: [oops\n').message).toMatch(new RegExp(`^${FILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line \\d: is not valid YAML`));
    expect(failure('name: x\nname: y\n').message).toContain('line 2: is not valid YAML');
    expect(failure('- a\n- b\n').message).toBe(`${FILE}, line 1: must be a mapping (name, version, dependencies).`);
    expect(failure('name: x\ndependencies: github.com/o/r\n').message).toContain('line 2: field `dependencies` must be a list');
  });
});
