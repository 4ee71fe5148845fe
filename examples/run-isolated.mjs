#!/usr/bin/env node
// Runs an example inside a private network + mount namespace, so nothing it builds can touch
// this machine's interfaces, routes, firewall or /run/netns: everything vanishes with it.
//
//   node examples/run-isolated.mjs dist/examples/cluster.js [args...]
//
// Outside such a namespace it re-executes itself through `unshare --net --mount --propagation
// private` (like scripts/run-tests.mjs), then mounts a tmpfs on /run/netns, brings lo up, and
// runs the example as a child process (which inherits both namespaces).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const SANDBOX_ENV = 'NETNS_RTNL_EXAMPLE_SANDBOX';
const [script, ...args] = process.argv.slice(2);

if (!script) {
  console.error('usage: node examples/run-isolated.mjs <compiled example .js> [args...]');
  process.exit(2);
}
if (!existsSync(script)) {
  console.error(`${script} does not exist: run \`npm run build\` first`);
  process.exit(2);
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', ...options });
  if (result.error) {
    console.error(`${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

if (process.env[SANDBOX_ENV] !== '1') {
  if (process.getuid?.() !== 0) {
    console.error(
      'This example creates network namespaces, so it needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN): run it with sudo, e.g. `sudo npm run demo`. ' +
        'It only ever changes a private network namespace of its own, never this machine\'s network.',
    );
    process.exit(1);
  }
  const child = spawn(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--', process.execPath, new URL(import.meta.url).pathname, script, ...args],
    { stdio: 'inherit', env: { ...process.env, [SANDBOX_ENV]: '1' } },
  );
  // Ctrl-C reaches the whole process group; the example tears down and exits, we wait for it.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => undefined);
  child.on('error', (error) => {
    console.error(`could not start unshare (util-linux): ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  // Inside the private mount namespace: these mounts vanish with it.
  if (!existsSync('/run/netns')) {
    if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run']) !== 0) process.exit(1);
    if (run('mkdir', ['-p', '/run/netns']) !== 0) process.exit(1);
  }
  if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run/netns']) !== 0) process.exit(1);
  // lo up in the private namespace, through the library itself (no `ip` needed).
  const { Namespace } = await import(new URL('../dist/lib/index.js', import.meta.url).href);
  const here = Namespace.current();
  try {
    await (await here.link('lo')).up();
  } finally {
    here.close();
  }
  const child = spawn(process.execPath, [resolve(script), ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => undefined);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
