import type { NetlinkMessage } from '../messages/message.js';
import type { Connection } from './connection.js';
import { rethrowAtCaller, UnexpectedReplyError } from './errors.js';
import type { Logger } from './log.js';
import { QUEUED, SENT, type PendingRequest } from './pending-request.js';
import { logSettled } from './rtnl/change-log.js';

/*
 * A change sent with no promise of its own (Connection.requestKept) and a lookup behind it in one
 * datagram, the lookup's answer settling both: a veth pair's creation and its peer's lookup, a
 * peer's change and its lookup. The kernel answers in order, so the change's outcome is on its
 * request once the lookup is answered, unless it still waits. `start` (debugStart) >= 0: the change
 * is logged at debug, as logChange logs one, once its outcome is known; `op` and `dev` are its words.
 */

/** The error a failed lookup behind a kept change fails with: the change's, if it failed, else the lookup's own. */
export function keptChangeFirst(log: Logger, change: PendingRequest<NetlinkMessage>, start: number, op: string, dev: string, error: Error): Error {
  const state = change.state;
  if (state === QUEUED || state === SENT) return error;
  const failed = change.error;
  if (start >= 0) logSettled(log, start, op, dev, failed);
  return failed ?? error;
}

/**
 * The lookup's reply, checked as its answer is read (its writer's applied()), the change settled:
 * `frame`, or the error the lookup fails with instead: the change's if it failed, else that the
 * lookup of `lookup` got no reply.
 */
export function keptChangeReply(log: Logger, change: PendingRequest<NetlinkMessage>, start: number, op: string, dev: string, lookup: string, frame: Uint8Array | undefined): Uint8Array | Error {
  const error = change.error;
  if (start >= 0) logSettled(log, start, op, dev, error);
  return error ?? frame ?? new UnexpectedReplyError(`RTM_GETLINK ${lookup}`, 'the kernel sent no reply');
}

/**
 * The change awaited on its own, when it still waited as the lookup was answered (never seen: a
 * kernel answering out of order); a failure is logged and rethrown with the caller's stack.
 */
export async function keptChangeSettled(connection: Connection, change: PendingRequest<NetlinkMessage>, start: number, op: string, dev: string): Promise<void> {
  try {
    await connection.keptOutcome(change);
  } catch (error) {
    if (start >= 0) logSettled(connection.logger, start, op, dev, error);
    rethrowAtCaller(error);
  }
}
