import { describe, expect, it } from 'vitest';
import { formatAvailable, noMatchingVersionError, selectVersion, validateRange, versionsFromTags } from '../../src/resolve/index.js';

const tag = (name: string, commit = name) => ({ name: `refs/tags/${name}`, commit });

describe('versionsFromTags', () => {
  it('reads repository-wide tags with or without v, newest first in semver order', () => {
    const versions = versionsFromTags([tag('v1.2.0'), tag('1.10.0'), tag('v1.9.3'), tag('release-2'), tag('v2.0.0-rc.1'), tag('latest')]);
    expect(versions.map((v) => v.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.9.3', '1.2.0']);
    expect(versions[1]).toEqual({ version: '1.10.0', tag: 'refs/tags/1.10.0', commit: '1.10.0', scoped: false });
  });

  it('prefers component-scoped tags when the component has any', () => {
    const tags = [tag('v3.0.0'), tag('email-composer@1.3.2'), tag('email-composer/v1.4.0'), tag('email-composer/1.3.0'), tag('other@9.0.0')];
    const versions = versionsFromTags(tags, 'email-composer');
    expect(versions.map((v) => [v.version, v.tag, v.scoped])).toEqual([
      ['1.4.0', 'refs/tags/email-composer/v1.4.0', true],
      ['1.3.2', 'refs/tags/email-composer@1.3.2', true],
      ['1.3.0', 'refs/tags/email-composer/1.3.0', true],
    ]);
  });

  it('falls back to repository-wide tags when no scoped tag exists', () => {
    const versions = versionsFromTags([tag('v3.0.0'), tag('other@9.0.0')], 'email-composer');
    expect(versions.map((v) => v.tag)).toEqual(['refs/tags/v3.0.0']);
  });

  it('does not take a tag of a component whose name merely starts with this one', () => {
    expect(versionsFromTags([tag('email-composer-pro@2.0.0'), tag('v1.0.0')], 'email-composer').map((v) => v.version)).toEqual(['1.0.0']);
  });

  it('ignores build metadata and chooses one tag per version deterministically', () => {
    const a = versionsFromTags([tag('1.0.0', 'c1'), tag('v1.0.0', 'c2'), tag('v1.0.0+build.5', 'c3')]);
    const b = versionsFromTags([tag('v1.0.0+build.5', 'c3'), tag('v1.0.0', 'c2'), tag('1.0.0', 'c1')]);
    expect(a).toEqual([{ version: '1.0.0', tag: 'refs/tags/v1.0.0', commit: 'c2', scoped: false }]);
    expect(b).toEqual(a);
    const scoped = versionsFromTags([tag('x@1.0.0', 'c1'), tag('x/v1.0.0', 'c2'), tag('x/1.0.0', 'c3')], 'x');
    expect(scoped).toEqual([{ version: '1.0.0', tag: 'refs/tags/x/v1.0.0', commit: 'c2', scoped: true }]);
  });

  it('skips peeled-tag entries and non-semver names', () => {
    expect(versionsFromTags([tag('v1.0.0^{}'), tag('v1.0'), tag('v01.0.0'), tag('vv1.0.0')])).toEqual([]);
  });
});

describe('selectVersion', () => {
  const versions = versionsFromTags(['v1.0.0', 'v1.1.0', 'v1.2.0-beta.1', 'v2.0.0', 'v2.1.0-rc.1'].map((n) => tag(n)));

  it('takes the highest version in the range', () => {
    expect(selectVersion(versions, '^1.0.0')?.version).toBe('1.1.0');
    expect(selectVersion(versions, '*')?.version).toBe('2.0.0');
    expect(selectVersion(versions, '^3.0.0')).toBeNull();
  });

  it('takes pre-releases only when the range asks for them, as npm does', () => {
    expect(selectVersion(versions, '>=1.0.0')?.version).toBe('2.0.0');
    expect(selectVersion(versions, '^1.2.0-beta.0')?.version).toBe('1.2.0-beta.1');
    expect(selectVersion(versions, '^2.1.0-rc.0')?.version).toBe('2.1.0-rc.1');
    expect(selectVersion(versions, '~1.2.0')).toBeNull();
  });

  it('rejects an invalid range instead of matching nothing', () => {
    expect(() => selectVersion(versions, 'not a range')).toThrow(expect.objectContaining({ code: 'E_BAD_RANGE' }));
  });
});

describe('validateRange', () => {
  it('accepts semver ranges and rejects empty or invalid ones', () => {
    expect(validateRange('^1.2.0')).toBeNull();
    expect(validateRange('>=1.2.0 <2.0.0')).toBeNull();
    expect(validateRange('1.x || 2')).toBeNull();
    expect(validateRange('')).toBe('is empty');
    expect(validateRange('  ')).toBe('is empty');
    expect(validateRange('^^1')).toMatch(/not a valid semver range/);
    expect(validateRange(1.1)).toMatch(/string/);
  });
});

describe('no matching version', () => {
  it('names the range and lists the available versions newest first', () => {
    const error = noMatchingVersionError({
      component: 'salesforce-lookup',
      repository: 'github.com/company/crm-tools',
      range: '^3.0.0',
      available: ['2.0.0', '2.1.4', '2.1.3'],
    });
    expect(error.code).toBe('E_NO_MATCHING_VERSION');
    expect(error.message).toBe('No version of salesforce-lookup in github.com/company/crm-tools matches ^3.0.0 (available: 2.1.4, 2.1.3, 2.0.0).');
  });

  it('shortens a long list and says when there are no tags', () => {
    const many = Array.from({ length: 20 }, (_, i) => `1.${i}.0`);
    expect(formatAvailable(many)).toBe(`${many.slice(5).reverse().join(', ')} and 5 more`);
    const none = noMatchingVersionError({ component: 'x', repository: 'github.com/o/r', range: '^1.0.0', available: [] });
    expect(none.message).toBe('No version of x in github.com/o/r matches ^1.0.0 (no version tags found).');
  });
});
