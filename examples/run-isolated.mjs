#!/usr/bin/env node
// Runs an example inside a private network + mount namespace, so nothing it builds can touch
// this machine's interfaces, routes, firewall or /run/netns: everything vanishes with it.
//
//   node examples/run-isolated.mjs dist/examples/cluster.js [args...]
//
// Outside such a namespace it re-executes itself through `unshare --net --mount --propagation
// private` (like scripts/run-tests.mjs), then mounts a tmpfs on /run/netns, brings lo up, and
// runs the example as a child process (which inherits both namespaces). Past `unshare`, no other
// program runs: the tmpfs is mounted with mount(2) and lo brought up over rtnetlink, both through
// the library, so `strace -f -e trace=execve npm run demo` shows only node, tsc and unshare.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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
  // Inside the private mount namespace: these mounts vanish with it (mount(2) through the
  // library's libc binding, no `mount` or `mkdir` process).
  const { mount } = await import(new URL('../dist/lib/sys/libc.js', import.meta.url).href);
  const tmpfs = (target) => {
    try {
      mount('tmpfs', target, 'tmpfs', 0);
    } catch (error) {
      console.error(`mount tmpfs on ${target}: ${error.message}`);
      process.exit(1);
    }
  };
  if (!existsSync('/run/netns')) {
    tmpfs('/run');
    mkdirSync('/run/netns', { recursive: true });
  }
  tmpfs('/run/netns');
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
