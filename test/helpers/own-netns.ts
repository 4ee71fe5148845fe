/**
 * A vitest setup file: as root inside the runner's sandbox, each test file (each runs in a fresh
 * worker process) moves to a network namespace of its own before it is loaded. Files used to share
 * the sandbox's namespace, so what one left there changed what the next one saw: a CNI bridge that
 * leak-usage left up, with a link-local address, made tcp-in-netns's scoped connect fail whenever
 * it ran later in the same run. Named namespaces (/run/netns) are still shared, so names stay
 * unique per file. Only the main thread moves, which is the thread "the current namespace" means
 * (Namespace.current, withNetns) and the one child processes are forked from.
 */
import { execFileSync } from 'node:child_process';
import { CLONE_NEWNET } from '../../lib/sys/constants.js';
import { unshare } from '../../lib/sys/libc.js';

// The condition of ./sandbox.js, not that module: it throws outside the sandbox under CI=true,
// which is for integration files, not for the unit tests this file is loaded before too.
if (process.getuid?.() === 0 && process.env.NETNS_RTNL_SANDBOX === '1') {
  unshare(CLONE_NEWNET);
  execFileSync('ip', ['link', 'set', 'lo', 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
