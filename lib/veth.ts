import { Link } from './link.js';
import { placeNewLink, type NewLinkOptions } from './new-link.js';
import { deviceIn, resolveDevices } from './rtnl/device-ref.js';
import { vethRequest, type CommonLinkOptions } from './rtnl/links.js';
import { checkInterfaceName, checkNamespaceHandle, InvalidArgumentError } from './validate.js';

/** One end of a veth: its name, its namespace (the current one when omitted) and the common link options. */
export interface VethEndOptions extends CommonLinkOptions, NewLinkOptions {}

export interface VethPairOptions extends VethEndOptions {
  peer: VethEndOptions;
}

/**
 * A veth pair: two interfaces joined like a cable. Both ends are made by one RTM_NEWLINK, each
 * directly in its own namespace.
 */
export class VethPair {
  private constructor(
    /** The end created in `options.namespace`. */
    readonly link: Link,
    /** The other end, in `options.peer.namespace`. */
    readonly peer: Link,
  ) {}

  /** Creates both ends with one RTM_NEWLINK, each straight in its namespace, and returns them as read back (`link`, `peer`). */
  static async create(options: VethPairOptions): Promise<VethPair> {
    const { namespace: here, rest } = placeNewLink(options, "{ name, namespace, peer: { name, namespace } }");
    checkInterfaceName(options.peer?.name, 'peer.name');
    if (options.peer.namespace !== undefined) checkNamespaceHandle(options.peer.namespace, 'peer.namespace');
    const there = options.peer.namespace ?? here;
    if (there.inode === here.inode && options.peer.name === options.name) {
      throw new InvalidArgumentError('peer.name', options.peer.name, 'is the same as name in the same namespace: a veth needs two names');
    }
    // The kernel cannot bring the peer up in the request that creates it (veth_open finds no
    // peer yet: ENOTCONN), and ignores IFLA_MASTER there, so `peer.up` and `peer.master` are
    // done by a second request once both ends exist.
    const { up: peerUp, master: peerMasterRef, ...peerOptions } = options.peer;
    const request = vethRequest(options.name, {
      ...rest,
      peer: { ...peerOptions, ...(there.inode !== here.inode ? { netnsFd: there.fd } : {}) },
    });
    // The master each end names is resolved in that end's namespace, before anything is sent.
    const [, peerMaster] = await Promise.all([
      resolveDevices(here, request.devices),
      peerMasterRef === undefined ? undefined : deviceIn(there, peerMasterRef, 'peer.master'),
    ]);
    const peerChanges = { ...(peerUp ? { up: true } : {}), ...(peerMaster !== undefined ? { master: peerMaster } : {}) };
    const changePeer = peerUp || peerMaster !== undefined;
    // Pipelined: the lookups go in the same datagram right behind the RTM_NEWLINK, which the
    // kernel handles first, so the pair costs one round trip instead of two (two instead of four
    // with `peer.up`, a change by name with the peer's lookup behind it). The peer's `up`, and
    // any request on the other namespace's socket, wait for the ACK: only then is the link ours.
    const apart = there.inode !== here.inode;
    const description = `${request.operation}${apart ? ` (peer in ${there})` : ''}`;
    const link = quiet(here.rtnl.createLinkAndRead(request.message, description, options.name));
    // Only on the same socket is the lookup ordered after the create.
    let peer = there === here && !changePeer ? quiet(there.link(options.peer.name)) : undefined;
    const state = await link;
    if (changePeer) {
      const set = there.rtnl.setLinkByName(options.peer.name, peerChanges);
      peer = quiet(there.link(options.peer.name));
      await set;
    }
    peer ??= there.link(options.peer.name);
    return new VethPair(new Link(here, state), await peer);
  }

  /** Deletes the pair (deleting one end removes both). */
  async delete(): Promise<void> {
    await this.link.delete();
  }

  /**
   * Nothing to release: a pair made without `namespace` uses the current namespace, whose socket
   * and fd are held only while requests are pending. Kept so that older code still runs.
   */
  close(): void {}
}

/** Marks a pipelined request's rejection as handled (the caller awaits it later, or not at all if an earlier step failed). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
