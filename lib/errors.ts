import { constants } from 'node:os';
import type { ExtAckAttrs } from '../messages/control/ext-ack.js';
import type { NetlinkMessage } from '../messages/message.js';

export { InvalidArgumentError, NetlinkDecodeError } from '../messages/errors.js';

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(constants.errno).map(([name, number]) => [number, name] as const),
);

/** 'EEXIST' for 17, and so on; 'E<n>' for numbers the platform does not name. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

export interface NetlinkErrorDetails {
  /** Positive errno, e.g. 17. */
  errno: number;
  /** What was being done, in words: "RTM_NEWADDR 10.0.0.2/24 dev veth0 in netns containerns". */
  operation: string;
  /** Sequence number of the request the kernel answered. */
  seq?: number;
  /** The kernel's extended ACK, when it sent one. */
  ext?: ExtAckAttrs;
}

/** The kernel refused a request: errno, code, operation and the kernel's own words. */
export class NetlinkError extends Error {
  override readonly name: string = 'NetlinkError';
  readonly errno: number;
  readonly code: string;
  readonly operation: string;
  readonly seq: number | undefined;
  /** The extended-ACK message (NLMSGERR_ATTR_MSG), e.g. "Nexthop has invalid gateway". */
  readonly kernelMessage: string | undefined;
  /** Byte offset in the request of the attribute the kernel objected to (NLMSGERR_ATTR_OFFS). */
  readonly badAttributeOffset: number | undefined;
  /** Type of a missing attribute (NLMSGERR_ATTR_MISS_TYPE). */
  readonly missingAttribute: number | undefined;

  constructor(details: NetlinkErrorDetails) {
    const code = errnoName(details.errno);
    const kernelMessage = details.ext?.msg;
    super(`${details.operation}: ${code}${kernelMessage ? ` (${kernelMessage})` : ''}`);
    this.errno = details.errno;
    this.code = code;
    this.operation = details.operation;
    this.seq = details.seq;
    this.kernelMessage = kernelMessage;
    this.badAttributeOffset = details.ext?.offs;
    this.missingAttribute = details.ext?.missType;
  }
}

/**
 * A dump kept being interrupted by concurrent changes (NLM_F_DUMP_INTR) after the allowed retries.
 * `partial` holds what the last attempt returned: possibly inconsistent.
 */
export class DumpInterruptedError<T = NetlinkMessage> extends NetlinkError {
  override readonly name = 'DumpInterruptedError';
  constructor(
    operation: string,
    readonly attempts: number,
    readonly partial: T[],
  ) {
    super({ errno: constants.errno.EINTR, operation: `${operation} (interrupted ${attempts} times by concurrent changes)` });
  }
}

/** The connection was closed, or the socket failed, while the request was pending. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  constructor(operation: string, reason: string) {
    super(`${operation}: ${reason}`);
  }
}

/** No answer in time, or the caller aborted. The request may still have taken effect in the kernel. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(operation: string, timeoutMs: number) {
    super(`${operation}: no answer from the kernel within ${timeoutMs} ms (it may still have been applied)`);
  }
}

/** The kernel dropped messages for this socket (ENOBUFS): replies or events were lost. */
export class NetlinkOverrunError extends Error {
  override readonly name = 'NetlinkOverrunError';
  readonly code = 'ENOBUFS';
  constructor(operation: string) {
    super(`${operation}: ENOBUFS: the socket's receive buffer overflowed and the kernel dropped messages`);
  }
}
