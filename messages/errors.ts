/**
 * The only error a decoder throws: the bytes were not a well-formed netlink frame.
 * `path` names where in the message it happened, e.g.
 * `RTM_NEWLINK > IFLA_LINKINFO > IFLA_INFO_DATA(veth) > VETH_INFO_PEER`,
 * and `offset` is the byte offset from the start of the datagram.
 */
export class NetlinkDecodeError extends Error {
  override readonly name = 'NetlinkDecodeError';

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
export class InvalidArgumentError extends TypeError {
  override readonly name = 'InvalidArgumentError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${showValue(value)} ${problem}`, options);
  }
}

/** A value as an error message shows it: strings quoted, bigints with `n`, objects as JSON where they can be. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return 'the object given';
    }
  }
  return String(value);
}
