// Deterministic bare-repository builders live in src/demo (forge demo builds its sample
// upstreams with them); tests use the very same code.
export * from '../../src/demo/repo-builder.js';
