import type { NftMessage } from '../../messages/nftables/index.js';
import { DumpInterruptedError, NetlinkError } from '../errors.js';
import { ERRNO } from '../sys/errno.js';
import type { Nftables } from './nftables.js';

/** What a plan decided, from the ruleset as it read it: nothing to do, or one batch to commit. */
export type Planned<T> =
  | { done: T }
  | {
      /** The batch: the kernel applies all of it or none. */
      changes: NftMessage[];
      /** The result, from what the kernel echoed for each change (those sent with NLM_F_ECHO). */
      result: (echoed: NftMessage[][]) => T;
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
 * `plan` read what it needs and decide, and commits its batch only if the generation is still the
 * one read (NFNL_BATCH_GENID). If anyone committed in between (ERESTART), or a dump kept being
 * interrupted, it waits a random, growing delay and starts again from a fresh read, until
 * `contentionTimeoutMs` has passed. A plan must be idempotent: on a retry it sees the ruleset as
 * others left it, and decides from that (an object already there is success, not a conflict).
 */
export async function changeRuleset<T>(
  nftables: Nftables,
  operation: string,
  plan: () => Promise<Planned<T>>,
  options: ContentionOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.contentionTimeoutMs ?? DEFAULT_CONTENTION_TIMEOUT_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      // The generation request goes out before the plan's first dump, in the same datagram: a change
      // made after it fails the commit below, so the plan can never act on a state older than genid.
      const generation = nftables.generation();
      const [genid, planned] = await Promise.all([generation, plan()]);
      if ('done' in planned) return planned.done;
      return planned.result(await nftables.commit(planned.changes, { genid, operation }));
    } catch (error) {
      if (!isContention(error)) throw error;
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
