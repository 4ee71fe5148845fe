import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that load the whole machine (hundreds of processes): they run after the rest, alone. */
const ALONE = ['test/integration/cni-parallel.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file in a network namespace of its own (the helper says why).
    setupFiles: ['test/helpers/own-netns.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE] } },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
