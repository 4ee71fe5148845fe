import type { ExtAckAttrs } from '../messages/control/ext-ack.js';
import type { NetlinkMessage } from '../messages/message.js';
import { NetnsRtnlError } from '../messages/errors.js';
import { ERRNO, errnoName, type ErrnoCode } from './sys/errno.js';

export { InvalidArgumentError, NetlinkDecodeError, NetnsRtnlError, type ErrorCode, type OwnErrorCode } from '../messages/errors.js';
export { ERRNO, errnoName, type ErrnoCode };

/**
 * Rethrows `error` with its stack taken where it is now. Called in the catch of an async method
 * that awaited the kernel's answer, that stack names the caller's own functions (V8's async stack
 * trace: `at async userFunction`), where the stack taken when the answer arrived names only the
 * socket's callbacks. A try/catch costs nothing until an error happens; an extra async hop per
 * request would (a promise and a microtask each).
 */
export function rethrowAtCaller(error: unknown): never {
  if (error instanceof Error) Error.captureStackTrace(error, rethrowAtCaller);
  throw error;
}

/** What a NetlinkError is made from: the errno, the operation and the kernel's extended ACK. */
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
export class NetlinkError extends NetnsRtnlError {
  override readonly name: string = 'NetlinkError';
  readonly errno: number;
  readonly code: ErrnoCode;
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
    const hint = details.errno === ERRNO.EPERM ? ': this needs CAP_NET_ADMIN (root) in the namespace' : '';
    super(`${details.operation}: ${code}${kernelMessage ? ` (${kernelMessage})` : ''}${hint}`);
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
    super({ errno: ERRNO.EINTR, operation: `${operation} (interrupted ${attempts} times by concurrent changes)` });
  }
}

/** The connection was closed, or the socket failed, while the request was pending. */
export class ConnectionClosedError extends NetnsRtnlError {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'ERR_CONNECTION_CLOSED';
  constructor(operation: string, reason: string) {
    super(`${operation}: ${reason}`);
  }
}

/**
 * No answer within the request's timeoutMs of its send (an answer already queued on the socket when
 * the limit passed is read first, and counts). The request may still have taken effect in the kernel.
 */
export class RequestTimeoutError extends NetnsRtnlError {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'ERR_REQUEST_TIMEOUT';
  constructor(operation: string, timeoutMs: number) {
    super(`${operation}: no answer from the kernel within ${timeoutMs} ms (it may still have been applied)`);
  }
}

/** The kernel dropped messages for this socket (ENOBUFS): replies or events were lost. */
export class NetlinkOverrunError extends NetnsRtnlError {
  override readonly name = 'NetlinkOverrunError';
  readonly code = 'ENOBUFS';
  readonly errno = ERRNO.ENOBUFS;
  constructor(operation: string) {
    super(`${operation}: ENOBUFS: the socket's receive buffer overflowed and the kernel dropped messages`);
  }
}

/** The kernel answered, but not with what the request must produce (no reply, or the wrong kind). */
export class UnexpectedReplyError extends NetnsRtnlError {
  override readonly name = 'UnexpectedReplyError';
  readonly code = 'ERR_UNEXPECTED_REPLY';
  constructor(operation: string, problem: string) {
    super(`${operation}: ${problem}`);
  }
}

/** `Namespace.create` of a name that is taken. `code` is 'EEXIST', as from the kernel. */
export class NamespaceExistsError extends NetnsRtnlError {
  override readonly name = 'NamespaceExistsError';
  readonly code = 'EEXIST';
  readonly errno = ERRNO.EEXIST;
  constructor(
    readonly namespace: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`namespace ${JSON.stringify(namespace)} already exists (${path}); pass { existOk: true } to open it`, options);
  }
}

/** A call on a Namespace after close() or delete(): the object holds nothing any more. Open it again. */
export class NamespaceClosedError extends NetnsRtnlError {
  override readonly name = 'NamespaceClosedError';
  readonly code = 'ERR_NAMESPACE_CLOSED';
  constructor(readonly namespace: string) {
    super(`${namespace} is closed: open it again (Namespace.open) to use it`);
  }
}

/**
 * A namespace released while idle (`releaseWhenIdle`) was opened again by its path, and the path
 * now leads to another namespace (the old one was deleted and the name reused). The object refuses
 * to act on the new one.
 */
export class NamespaceReplacedError extends NetnsRtnlError {
  override readonly name = 'NamespaceReplacedError';
  readonly code = 'ERR_NAMESPACE_REPLACED';
  constructor(
    readonly namespace: string,
    readonly path: string,
    /** The inode the object was made for. */
    readonly expectedInode: number,
    /** The inode found at `path` now. */
    readonly foundInode: number,
  ) {
    super(`${namespace}: ${path} is now another namespace (inode ${foundInode}, not ${expectedInode})`);
  }
}
