#!/usr/bin/env node
/**
 * cni-bridge: a CNI plugin (spec 1.0.0 / 1.1.0) compatible with the reference `bridge` plugin,
 * built on netns-rtnl. Install it on the runtime's CNI_PATH (e.g. /opt/cni/bin/cni-bridge) and
 * name it in a network configuration as "type": "cni-bridge".
 *
 * A runtime starts it for every call (VERSION, then ADD; VERSION, then DEL), so it is built to
 * start fast (scripts/bundle-cni.mjs): a small CommonJS first file (this one) that answers VERSION
 * by itself (from lib/cni/versions.ts, which imports nothing) and loads the command line and the
 * netlink engine, one CommonJS bundle beside it, only for the other commands, with the package's
 * code cache (bin/run-bundle.ts: the engine is compiled once per machine and Node version, not
 * per call). CommonJS because Node sets up its ES module loader for an ES module entry point or
 * import, and the executable needs none of it. stdin and stdout are used as plain file
 * descriptors, which spares the stream classes Node would otherwise load for them.
 */
import { readFileSync, writeSync } from 'node:fs';
import type { Started } from '../lib/cni/first-stage.js';
import { configVersion, versionAnswer } from '../lib/cni/versions.js';
import { runBundle } from './run-bundle.js';

/** What the engine shares with this file's first stage (lib/cni/first-stage.ts and what it imports), bundled beside it. */
const SHARED = './cni-bridge-shared.cjs';

/**
 * The command, as the variant of every code cache the call loads (bin/code-cache.ts): a cache holds
 * what the calls that wrote it ran, and ADD and DEL run different parts of the shared bundle (DEL's
 * early deletion and release, ADD's early reservation), so that each command's calls load a cache of
 * what that command runs, rather than one with both commands' functions.
 */
const COMMANDS: readonly string[] = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'];

function cacheVariant(): string {
  const command = process.env.CNI_COMMAND ?? '';
  return COMMANDS.includes(command) ? command : 'other';
}

/**
 * The folder of this file: in the bundle, CommonJS's __dirname (scripts/bundle-lazy.mjs defines
 * import.meta.dirname as it). Not a URL made from import.meta.url and turned back into a path: on
 * Node 20 that compiles Node's URL functions on every call (its built-in code cache lacks them).
 */
const HERE = import.meta.dirname;

/** What the shared bundle gives besides lib/cni/first-stage.ts: the code cache keeper (bin/keep-code-cache.ts), whose code is in its cache. */
type Shared = typeof import('../lib/cni/first-stage.js') & typeof import('./keep-code-cache.js');

/** Loads `name` (`./file`, beside this file); its code cache kept at exit by `keeper`'s keeper, or by its own (the shared bundle's). */
function bundle(name: string, keeper?: Shared, loaded?: Record<string, unknown>): unknown {
  const run = runBundle(`${HERE}/${name.slice(2)}`, loaded, cacheVariant());
  if (run.cache !== undefined) (keeper ?? (run.exports as Shared)).keepCodeCache(run, 'exit');
  return run.exports;
}

/**
 * The command line and the engine: lib/cni/main.ts bundled beside the built executable, sharing
 * `shared`'s modules; `plain`, the build without tc, nftables and the monitor (a plain ADD's).
 */
function engine(shared: Shared, plain: boolean | undefined): typeof import('../lib/cni/main.js') {
  return bundle(plain ? './cni-bridge-engine-plain.cjs' : './cni-bridge-engine.cjs', shared, { [SHARED]: shared }) as typeof import('../lib/cni/main.js');
}

function readStdin(): Promise<Buffer> {
  try {
    return Promise.resolve(readFileSync(0));
  } catch (error) {
    // A non-blocking pipe has nothing yet: read it as a stream instead.
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return Promise.reject(error);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      process.stdin.on('data', (d: Buffer) => chunks.push(d));
      process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
      process.stdin.on('error', reject);
    });
  }
}

/** Writes to fd 1 or 2; process.stdout/stderr (a stream, and its classes) only if the fd is a full non-blocking pipe. */
function writer(fd: 1 | 2, stream: () => NodeJS.WriteStream): (text: string) => void {
  return (text) => {
    const bytes = Buffer.from(text);
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(fd, bytes, done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      stream().write(bytes.subarray(done));
    }
  };
}

async function run(): Promise<number> {
  const stdout = writer(1, () => process.stdout);
  // VERSION is answered here; if its configuration cannot be read, main reports the error.
  const versionStdin = process.env.CNI_COMMAND === 'VERSION' ? readStdin() : undefined;
  const versionConfig = await versionStdin?.catch(() => undefined);
  if (versionConfig) {
    stdout(versionAnswer(configVersion(versionConfig)));
    return 0;
  }
  const shared = bundle(SHARED) as Shared;
  let stdin = versionStdin;
  let started: Started = {};
  if (shared.startsEarly(process.env)) {
    // Started before the engine loads (lib/cni/first-stage.ts); main reports a failure to read.
    stdin = readStdin();
    const config = await stdin.catch(() => undefined);
    if (config !== undefined) {
      started = shared.startFirstStage(process.env, config);
      // A DEL with nothing but the interface and the reservation to undo is done without the engine.
      const status = await shared.finishedEarly(started, config, stdout);
      if (status !== undefined) return status;
    }
  }
  const { mainAfterFirstStage } = engine(shared, started.plain);
  // The engine is the last bundle loaded: a process that will write a code cache runs without Sparkplug from here.
  shared.baselineOffWhileCaching();
  return mainAfterFirstStage({ env: process.env, stdin: () => stdin ?? readStdin(), stdout, stderr: writer(2, () => process.stderr) }, started);
}

void run().then((status) => {
  process.exitCode = status;
  // The answer is written (stdout and stderr are files or pipes, written synchronously on Linux). With
  // nothing of Node's in flight (no child, socket or timer; callbacks queued for the loop's next turn
  // are all that is left), end now: the 'exit' listeners still run, and Node's teardown of the
  // environment and the heap, a few ms of every call, is spared.
  if (process.getActiveResourcesInfo().every((resource) => resource === 'Immediate')) process.exit();
});
