import type { ErrnoCode } from './errno.js';

/** The codes of errors raised by this library that are not an errno from the kernel or a system call. */
export type OwnErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NETLINK_DECODE'
  | 'ERR_REQUEST_TIMEOUT'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_UNEXPECTED_REPLY'
  | 'ERR_NETNS_RESTORE'
  | 'ERR_MONITOR_SYNC'
  | 'ERR_CNI'
  | 'ERR_NAMESPACE_CLOSED'
  | 'ERR_NAMESPACE_REPLACED'
  | 'ERR_UNSUPPORTED_HOST'
  | 'ERR_SOCKET_HANDOFF';

/** Every `code` an error of this library can carry: an errno name ('EEXIST', 'ERESTART') or one of its own. */
export type ErrorCode = ErrnoCode | OwnErrorCode;

/**
 * The base of every error this library raises. `code` is what to branch on; `cause` holds the error
 * that led to this one, when there was one.
 */
export abstract class NetnsRtnlError extends Error {
  abstract override readonly name: string;
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The only error a decoder throws: the bytes were not a well-formed netlink frame.
 * `path` names where in the message it happened, e.g.
 * `RTM_NEWLINK > IFLA_LINKINFO > IFLA_INFO_DATA(veth) > VETH_INFO_PEER`,
 * and `offset` is the byte offset from the start of the datagram.
 */
export class NetlinkDecodeError extends NetnsRtnlError {
  override readonly name = 'NetlinkDecodeError';
  readonly code = 'ERR_NETLINK_DECODE';

  constructor(
    readonly path: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${path || 'datagram'} at byte ${offset}: ${reason}`);
  }
}

/**
 * Bad input from the caller, refused before anything is sent: `field` and `value` say what to fix,
 * e.g. `mtu: 70000 is not an MTU: a whole number from 68 to 65535`.
 */
export class InvalidArgumentError extends NetnsRtnlError {
  override readonly name: string = 'InvalidArgumentError';
  readonly code = 'ERR_INVALID_ARGUMENT';

  constructor(
    readonly field: string,
    readonly value: unknown,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${showValue(value)} ${problem}`, options);
  }
}

/**
 * A value as an error message shows it: strings quoted, bigints with `n`, functions by name, byte arrays by length,
 * other objects as JSON where they can be (cut at 80 characters).
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (ArrayBuffer.isView(value)) return `${value.byteLength} bytes`;
  if (typeof value === 'object' && value !== null) {
    let json: string | undefined;
    try {
      json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : ArrayBuffer.isView(v) ? `${v.byteLength} bytes` : v));
    } catch {
      return 'the object given';
    }
    if (json === undefined) return String(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  }
  return String(value);
}
