/** What every example shares: leftovers, entry point detection, flags, output, and teardown. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Namespace } from '../../lib/index.js';

export interface ExampleOptions {
  /** Where output goes (default console.log); tests pass a collector. */
  log?: (line: string) => void;
  /** Prepended to every namespace name, so several runs can share /run/netns (tests). */
  prefix?: string;
}

/** True when the module at `url` is the program node was started with. */
export function isEntryPoint(url: string): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

/**
 * Removes named namespaces an earlier run left behind (one that died halfway), so a new run
 * starts clean. Returns the names removed.
 */
export async function removeLeftovers(names: readonly string[]): Promise<string[]> {
  const present = new Set(Namespace.list());
  const removed: string[] = [];
  for (const name of names) {
    if (!present.has(name)) continue;
    const ns = await Namespace.open(name);
    await ns.delete();
    removed.push(name);
  }
  return removed;
}

/** Deletes namespaces, newest first, continuing past errors; returns the errors. */
export async function deleteAll(namespaces: Namespace[]): Promise<Error[]> {
  const errors: Error[] = [];
  for (const ns of [...namespaces].reverse()) {
    try {
      await ns.delete();
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') errors.push(error as Error);
    }
  }
  namespaces.length = 0;
  return errors;
}

/** A flag the program does not take: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Reads an example's flags with node:util parseArgs (strict: unknown flags and stray words are a
 * UsageError). Returns undefined for --help, which the caller answers with its usage.
 */
export function parseFlags<const O extends Record<string, { type: 'boolean' | 'string' }>>(
  argv: readonly string[],
  options: O,
): { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean } | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  return values as { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };
}

/**
 * Runs an example's main as a program: exit code 0 when it reports success, 1 otherwise, and
 * one clear sentence instead of a stack trace when privileges are missing. With `usage`, the
 * program takes no flags but --help (which prints it).
 */
export function runAsProgram(main: () => Promise<{ ok: boolean }>, usage?: string): void {
  if (usage !== undefined) {
    try {
      if (parseFlags(process.argv.slice(2), {}) === undefined) {
        console.log(usage);
        return;
      }
    } catch (error) {
      console.error(`${(error as Error).message}\n${usage}`);
      process.exitCode = 2;
      return;
    }
  }
  main().then(
    (result) => {
      process.exitCode = result.ok ? 0 : 1;
    },
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      process.exitCode = error instanceof UsageError ? 2 : 1;
      if (error instanceof UsageError) {
        console.error(error.message);
      } else if (code === 'EPERM' || code === 'EACCES') {
        console.error(`This example needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) to create network namespaces: ${(error as Error).message}`);
      } else {
        console.error(error);
      }
    },
  );
}

/**
 * How long a timed build waits after a teardown. The kernel frees deleted namespaces in the
 * background (cleanup_net), and while it unregisters their devices it holds RTNL for tens of ms at
 * a time: measured here, requests made in the first ~150 ms after a cluster's teardown waited up to
 * 65 ms each. A build timed in that window pays for the previous one's cleanup.
 */
export const KERNEL_CLEANUP_SETTLE_MS = 500;

/** Waits until the kernel has (as measured, with a wide margin) finished freeing what was just deleted. */
export function settleAfterTeardown(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, KERNEL_CLEANUP_SETTLE_MS));
}
