#!/usr/bin/env node
// Runs vitest. As root it first re-executes itself inside a private network + mount
// namespace with a fresh tmpfs on /run/netns, so no test can touch the host's links,
// routes or named namespaces. Without root the integration suites skip themselves.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SANDBOX_ENV = 'NETNS_RTNL_SANDBOX';
const args = process.argv.slice(2);
const isRoot = process.getuid?.() === 0;

function run(command, commandArgs, env = process.env) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (isRoot && process.env[SANDBOX_ENV] !== '1') {
  const status = run(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--', process.execPath, ...process.execArgv, new URL(import.meta.url).pathname, ...args],
    { ...process.env, [SANDBOX_ENV]: '1' },
  );
  process.exit(status);
}

if (isRoot) {
  // Inside the private mount namespace: these mounts vanish with it.
  if (!existsSync('/run/netns')) {
    if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run']) !== 0) process.exit(1);
    if (run('mkdir', ['-p', '/run/netns']) !== 0) process.exit(1);
  }
  if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run/netns']) !== 0) process.exit(1);
  if (run('ip', ['link', 'set', 'lo', 'up']) !== 0) process.exit(1);
} else {
  console.log('run-tests: not root, so integration tests (real namespaces) will skip');
}

const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
process.exit(run(process.execPath, [vitest, 'run', ...args]));
