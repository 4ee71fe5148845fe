import type { NetlinkMessage } from '../messages/message.js';
import type { Logger } from './log.js';
import { QUEUED, SENT, type PendingRequest } from './pending-request.js';
import { logSettled } from './rtnl/change-log.js';

/**
 * The error a lookup sent behind a kept change (Connection.requestKept, in one datagram) fails
 * with: the change's, if it failed, else the lookup's own. The kernel answers in order, so the
 * change's outcome is known by then unless it still waits. `start` (debugStart) >= 0: the change is
 * logged at debug, as logChange logs one, once its outcome is known.
 */
export function keptChangeFirst(log: Logger, change: PendingRequest<NetlinkMessage>, start: number, op: string, dev: string, error: Error): Error {
  const state = change.state;
  if (state === QUEUED || state === SENT) return error;
  const failed = change.error;
  if (start >= 0) logSettled(log, start, op, dev, failed);
  return failed ?? error;
}
