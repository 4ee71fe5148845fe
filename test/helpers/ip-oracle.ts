/**
 * iproute2 as an oracle for the integration tests: `ip -j ...` and `bridge -j ...` run without a
 * shell, inside the namespace under test, and their JSON parsed. Every command is spawned from
 * inside the namespace (the same critical section Namespace.spawn uses), named namespaces too:
 * `ip -n NAME` would first unshare a mount namespace (a copy of the whole mount table, under the
 * kernel's global namespace lock that every namespace mount and unmount of the parallel test
 * files also takes) and remount /sys in it: measured here, 1.4 to 3 times the command itself, and
 * can wait behind that lock on a loaded machine.
 */
import { execFileSync, type ChildProcess, type ExecFileSyncOptions } from 'node:child_process';
import type { Namespace } from '../../lib/namespace.js';
import { withNetns } from '../../lib/sys/index.js';

// Any JSON value iproute2 prints; tests narrow it.
export type Json = any;

/**
 * The synchronous spawn blocks the event loop, so vitest's own test timeout cannot end a command
 * that hangs: this bound does, and says which command it was.
 */
const COMMAND_TIMEOUT_MS = 10_000;
const EXEC: ExecFileSyncOptions = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS };

/** Runs `command args` inside `ns` (the calling process's namespace when undefined); returns stdout. */
export function runIn(ns: Namespace | undefined, command: string, args: readonly string[]): string {
  const run = (): string => {
    try {
      return execFileSync(command, args, EXEC) as string;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ETIMEDOUT') throw error;
      throw new Error(`${command} ${args.join(' ')}${ns ? ` in ${ns}` : ''}: still running after ${COMMAND_TIMEOUT_MS} ms, killed`, { cause: error });
    }
  };
  return ns === undefined ? run() : withNetns(ns.fd, run);
}

function parse(command: string, args: readonly string[], out: string): Json {
  const text = out.trim();
  if (text === '') return [];
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${command} -j ${args.join(' ')} printed something that is not JSON: ${text.slice(0, 200)}`, { cause: error });
  }
}

/** `ip -j ARGS` in `ns`, parsed. */
export function ipJson(ns: Namespace | undefined, args: readonly string[]): Json {
  return parse('ip', args, runIn(ns, 'ip', ['-j', ...args]));
}

/** `bridge -j ARGS` in `ns`, parsed. */
export function bridgeJson(ns: Namespace | undefined, args: readonly string[]): Json {
  return parse('bridge', args, runIn(ns, 'bridge', ['-j', ...args]));
}

/** `tc -j ARGS` in `ns`, parsed: a list, empty when tc prints nothing. */
export function tcJson(ns: Namespace | undefined, args: readonly string[]): Json[] {
  return parse('tc', args, runIn(ns, 'tc', ['-j', ...args])) as Json[];
}

/** `ip ARGS` (text, not JSON) in `ns`: for commands that only change things. */
export function ip(ns: Namespace | undefined, args: readonly string[]): string {
  return runIn(ns, 'ip', args);
}

/** The oracle's view of one link (`ip -j -d link show dev NAME`), or undefined when there is none. */
export function ipLink(ns: Namespace | undefined, name: string): Json | undefined {
  try {
    const [entry] = ipJson(ns, ['-d', 'link', 'show', 'dev', name]) as Json[];
    return entry;
  } catch (error) {
    if (String((error as { stderr?: unknown }).stderr ?? '').includes('does not exist')) return undefined;
    throw error;
  }
}

/** Names of the links the oracle sees in `ns`, sorted. */
export function ipLinkNames(ns: Namespace | undefined): string[] {
  return (ipJson(ns, ['link', 'show']) as Json[]).map((l) => l.ifname as string).sort();
}

/** 'address/prefixlen' of every address on `dev` as `ip -j addr show dev` prints them. */
export function ipAddrs(ns: Namespace | undefined, dev: string, family?: 4 | 6): string[] {
  const args = [...(family ? [`-${family}`] : []), 'addr', 'show', 'dev', dev];
  const [entry] = ipJson(ns, args) as Json[];
  return ((entry?.addr_info ?? []) as Json[]).map((a) => `${a.local}/${a.prefixlen}`).sort();
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Waits for a child process (e.g. from ns.spawn) to end, killing it after `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs = 10_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${child.pid} did not finish within ${timeoutMs} ms; stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
