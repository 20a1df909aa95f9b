import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/merge/index.js';

describe('unified diff like git diff --no-index', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('x', 'x', 'a\n', 'a\n')).toBe('');
  });

  it('prints headers, hunk ranges and the enclosing function name', () => {
    const a = 'function f() {\n  one\n  two\n  three\n  four\n  five\n}\n';
    const b = a.replace('four', 'FOUR');
    expect(unifiedDiff('src/x.js', 'src/x.js', a, b)).toBe(
      '--- a/src/x.js\n+++ b/src/x.js\n@@ -2,6 +2,6 @@ function f() {\n   one\n   two\n   three\n-  four\n+  FOUR\n   five\n }\n',
    );
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('x', 'x', 'a\nb', 'a\nc')).toBe('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n');
  });

  it('writes /dev/null for an absent side', () => {
    expect(unifiedDiff('/dev/null', 'new.txt', '', 'a\n')).toBe('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+a\n');
  });
});
