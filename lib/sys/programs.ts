/** Programs run by the library (the CNI plugin's IPAM delegate, `ns.spawn`) and the files they are found in. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { statSync } from 'node:fs';

/** Starts `file` with `args`, never through a shell. */
export function spawnProgram(file: string, args: readonly string[], options: Omit<SpawnOptions, 'shell'>): ChildProcess {
  return spawn(file, args, { ...options, shell: false });
}

/** Whether `path` is a regular file (following symlinks); false when it is missing or unreadable. */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
