/**
 * What a Namespace does with files and processes inside its namespace: /proc/sys/net as the
 * namespace sees it, and programs started inside it.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { withNetns } from './netns-thread.js';
import { sysctlDirect } from './sysctl-program.js';
import { spawnProgram } from './programs.js';
import { nodeCall, systemCallErrorOf } from './system-call-error.js';

/**
 * Reads /proc/sys/COMPONENTS... inside the namespace behind `netnsFd`, after writing `value` when
 * given; returns the value read, or the value written for a key that cannot be read (write-only,
 * like net.ipv4.route.flush). The components are checked by the caller (lib/validate.ts).
 */
export function sysctlInNetns(netnsFd: number, components: readonly string[], value?: string): string {
  const file = `/proc/sys/${components.join('/')}`;
  // In one call into native code where it can be (see sysctl-program.ts).
  const direct = sysctlDirect(netnsFd, file, value);
  if (direct !== undefined) return direct;
  return withNetns(netnsFd, () => {
    if (value === undefined) return nodeCall(() => readFileSync(file, 'utf8').trim());
    nodeCall(() => writeFileSync(file, value));
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') return value;
      throw systemCallErrorOf(error);
    }
  });
}

/** Starts a program inside the namespace (no shell); the child inherits the namespace for good. */
export function spawnInNetns(netnsFd: number, command: string, args: readonly string[], options: Omit<SpawnOptions, 'shell'>): ChildProcess {
  return withNetns(netnsFd, () => spawnProgram(command, args, options));
}

