/** What a Monitor is asked for, its defaults, and how the groups it is given are checked. */
import type { Logger } from '../log.js';
import { NetnsRtnlError } from '../errors.js';
import { InvalidArgumentError } from '../validate.js';
import { isReplayable, MONITOR_GROUPS, REPLAYABLE_GROUPS, type MonitorGroup } from './groups.js';

/** ns.monitor()'s options. */
export interface MonitorOptions {
  /** Multicast groups to join, by name ('link', 'neigh', 'ipv4-ifaddr', 'ipv4-route', 'ipv6-route', 'nsid' ...). */
  groups: readonly MonitorGroup[];
  /** Dump, then follow: yield the current state, { kind: 'synced' }, then the changes. */
  replay?: boolean;
  /** Ends the iteration (done) and releases the socket. */
  signal?: AbortSignal;
  /**
   * SO_RCVBUF of the monitor's socket, in bytes (the kernel doubles it): what a burst of
   * notifications may fill before the kernel drops some (an { kind: 'overrun' } event, or a resync
   * in replay mode). Default 1 MiB; Namespace.monitor applies it.
   */
  receiveBufferBytes?: number;
  /** Events allowed to wait unread before they count as lost (default 16384). */
  maxPendingEvents?: number;
  /** Time allowed for each dump in replay mode, in ms (default 30000). */
  timeoutMs?: number;
  logger?: Logger;
  /** Appended to operations in errors, e.g. "in netns x". */
  context?: string;
}

/**
 * A monitor socket's receive buffer unless told otherwise. The kernel's default (rmem_default,
 * about 208 KiB) overflows while a few dozen containers are set up at once; this holds such bursts.
 */
export const DEFAULT_MONITOR_RECEIVE_BUFFER = 1 << 20;

export const DEFAULT_MAX_PENDING = 16384;

/** Replay mode gave up: the state could not be read without losing events. */
export class MonitorSyncError extends NetnsRtnlError {
  override readonly name = 'MonitorSyncError';
  readonly code = 'ERR_MONITOR_SYNC';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The groups, each once; throws InvalidArgumentError for an unknown one (or one replay cannot dump). */
export function checkGroups(groups: unknown, replay: boolean): MonitorGroup[] {
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new InvalidArgumentError('groups', groups, `is not a non-empty array of group names (${Object.keys(MONITOR_GROUPS).slice(0, 8).join(', ')} ...)`);
  }
  for (const g of groups) {
    if (typeof g !== 'string' || !Object.hasOwn(MONITOR_GROUPS, g)) {
      throw new InvalidArgumentError('groups', g, `is not an rtnetlink group name (one of ${Object.keys(MONITOR_GROUPS).join(', ')})`);
    }
    if (replay && !isReplayable(g as MonitorGroup)) {
      throw new InvalidArgumentError('groups', g, `has no dump to replay; replay mode takes ${REPLAYABLE_GROUPS.join(', ')}`);
    }
  }
  return [...new Set(groups as MonitorGroup[])];
}
