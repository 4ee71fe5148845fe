/**
 * Integration tests change real networking, so they run only as root inside the
 * private network + mount namespace that scripts/run-tests.mjs creates.
 */
const sandboxed = process.getuid?.() === 0 && process.env.NETNS_RTNL_SANDBOX === '1';

if (!sandboxed && process.env.CI === 'true') {
  throw new Error('integration tests must run in CI: run them as root through `npm test` (scripts/run-tests.mjs)');
}

export const integrationSkipReason = sandboxed
  ? undefined
  : 'skipped: needs root inside the private namespace that `npm test` creates (scripts/run-tests.mjs)';

/** True when the current process may create namespaces, links and routes. */
export const canRunIntegration = sandboxed;
