// The loopback Git server lives in src/demo (forge demo serves its sample upstreams with it);
// tests use the very same code.
export * from '../../src/demo/git-http-server.js';
