import type { NftMessage } from '../../messages/nftables/index.js';
import { DumpInterruptedError, NetlinkError } from '../errors.js';
import { ERRNO, type ErrnoCode } from '../sys/errno.js';
import type { Nftables } from './nftables.js';

/** What a plan decided, from the ruleset as it read it: nothing to do, or one batch to commit. */
export type Planned<T> =
  | { done: T }
  | {
      /** The batch: the kernel applies all of it or none. */
      changes: NftMessage[];
      /** The result, from what the kernel echoed for each change (those sent with NLM_F_ECHO). */
      result: (echoed: NftMessage[][]) => T | Promise<T>;
      /**
       * Commit only if nobody changed the ruleset since the plan read it (default). A batch that is
       * right whatever others did in between (one that makes its own table and chain, or deletes
       * its own rules by handle) can go without: then it never conflicts.
       */
      checkGeneration?: boolean;
      /**
       * Errors of the batch that mean another writer got there first (ENOENT: a rule this batch
       * deletes was deleted already): read again and plan anew, as for a generation change.
       */
      racing?: readonly ErrnoCode[];
    };

export interface ContentionOptions {
  /**
   * How long a change keeps trying while other writers (other handles, other processes) change
   * the ruleset between its read and its commit. Default 30 000 ms.
   */
  contentionTimeoutMs?: number;
}

const DEFAULT_CONTENTION_TIMEOUT_MS = 30_000;
/** The first retry waits up to this long; each further one up to twice as long as the one before ... */
const FIRST_DELAY_MS = 2;
/** ... and never more than this, so a writer that lost many rounds still comes back often. */
const MAX_DELAY_MS = 100;

/**
 * Makes one change to the ruleset, safe against concurrent writers: reads the generation, lets
 * `plan` read what it needs and decide, and commits its batch, by default only if the generation
 * is still the one read (NFNL_BATCH_GENID). If anyone committed in between (ERESTART), a dump kept
 * being interrupted, or the batch failed with one of the plan's `racing` errors, it waits a
 * random, growing delay and starts again from a fresh read, until `contentionTimeoutMs` has
 * passed. A plan must be idempotent: on a retry it sees the ruleset as others left it, and
 * decides from that (an object already there is success, not a conflict).
 */
export async function changeRuleset<T>(
  nftables: Nftables,
  operation: string,
  plan: () => Promise<Planned<T>>,
  options: ContentionOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.contentionTimeoutMs ?? DEFAULT_CONTENTION_TIMEOUT_MS);
  let racing: readonly ErrnoCode[] = [];
  for (let attempt = 0; ; attempt++) {
    racing = [];
    try {
      // The generation request goes out before the plan's first dump, in the same datagram: a change
      // made after it fails the commit below, so the plan can never act on a state older than genid.
      const generation = nftables.generation();
      const [genid, planned] = await Promise.all([generation, plan()]);
      if ('done' in planned) return planned.done;
      racing = planned.racing ?? [];
      const echoed = await nftables.commit(planned.changes, planned.checkGeneration === false ? { operation } : { genid, operation });
      return await planned.result(echoed);
    } catch (error) {
      if (!isContention(error) && !(error instanceof NetlinkError && racing.includes(error.code))) throw error;
      const delay = Math.random() * Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
      if (Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Another writer got in first: the ruleset generation moved (ERESTART), or a dump saw it move. */
function isContention(error: unknown): boolean {
  return error instanceof DumpInterruptedError || (error instanceof NetlinkError && error.errno === ERRNO.ERESTART);
}
