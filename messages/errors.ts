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
