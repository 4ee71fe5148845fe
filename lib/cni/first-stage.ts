/**
 * What the cni-bridge executable starts before it loads the engine, for the two calls a runtime
 * makes per container: DEL's deletion of the container's interface (early-delete.ts) and, when
 * that and the IPAM reservation are all DEL has to undo, the release too, so that such a DEL needs
 * no engine at all (early-release.ts); ADD's IPAM reservation (early-ipam.ts). The entry of the
 * bundle the executable and the engine share (scripts/bundle-cni.mjs).
 */
import { checkEnvironment, checkedConfig } from './command.js';
import type { BridgeConfig } from './config.js';
import { startDeletion, type DeletionOutcome } from './early-delete.js';
import { startReservation, type Reservation } from './early-ipam.js';
import { startRelease, usesNatOrTc } from './early-release.js';
import { errorAnswer } from './errors.js';
import { configVersion } from './versions.js';

export type { DeletionOutcome, Reservation };

/** What was started, for the engine to take up (lib/cni/main.ts). */
export interface Started {
  deletion?: Promise<DeletionOutcome>;
  reservation?: Reservation;
  /** DEL made without the engine: true once done, false if the engine must make it (early-release.ts). */
  release?: Promise<boolean>;
  /**
   * An ADD without ipMasq, port mappings or bandwidth: the executable loads the plain engine, which
   * has no tc, nftables or monitor code (scripts/bundle-cni.mjs).
   */
  plain?: true;
}

/** Whether the executable reads stdin before the engine: ADD or DEL with the CNI_* it needs (the command line reads it only then). */
export function startsEarly(env: NodeJS.ProcessEnv): boolean {
  const command = env.CNI_COMMAND ?? '';
  if (command !== 'ADD' && command !== 'DEL') return false;
  try {
    checkEnvironment(command, env);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts what the call's command can start before the engine loads, once the call passes the
 * command line's checks (done here once for both starters): a call the command line refuses starts
 * nothing (the engine reports it).
 */
export function startFirstStage(env: NodeJS.ProcessEnv, stdin: Buffer): Started {
  const command = env.CNI_COMMAND;
  if (command !== 'ADD' && command !== 'DEL') return {};
  let n: BridgeConfig;
  try {
    checkEnvironment(command, env);
    n = checkedConfig(command, env, stdin);
  } catch {
    return {};
  }
  const deletion = command === 'DEL' ? startDeletion(env) : undefined;
  const release = deletion ? startRelease(env, n, deletion) : undefined;
  const reservation = command === 'ADD' ? startReservation(env, n) : undefined;
  const plain = command === 'ADD' && !usesNatOrTc(n);
  return { ...(deletion ? { deletion } : {}), ...(release ? { release } : {}), ...(reservation ? { reservation } : {}), ...(plain ? { plain } : {}) };
}

/**
 * The exit status of a call the first stage made whole (a DEL without the engine), its error
 * result written to `stdout` as the command line writes it; undefined if the engine is to run.
 */
export async function finishedEarly(started: Started, stdin: Buffer, stdout: (text: string) => void): Promise<number | undefined> {
  if (started.release === undefined) return undefined;
  try {
    return (await started.release) ? 0 : undefined;
  } catch (error) {
    stdout(errorAnswer(error, configVersion(stdin)));
    return 1;
  }
}
