import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { rethrowAtCaller, UnexpectedReplyError } from './errors.js';
import { NO_OPTIONS } from './request-path.js';
import { noop, QUEUED, SENT, type PendingRequest } from './pending-request.js';
import type { NetlinkMessage } from '../messages/message.js';
import type { Logger } from './log.js';
import { newLinkHome, type NewLinkOptions } from './new-link.js';
import { changePeer } from './veth-peer-request.js';
import { deviceIn, resolveDevices } from './rtnl/device-ref.js';
import { debugStart, logChange, logSettled } from './rtnl/change-log.js';
import type { Rtnl } from './rtnl/client.js';
import { checkVeth, LINK_LOOKUP_WRITER, VETH_WRITER, type VethQueueOptions, type VethRequest } from './rtnl/link-request.js';
import { echoedLink, pendingLinkState } from './rtnl/link-reply.js';
import { type CommonLinkOptions, type LinkState } from './rtnl/links.js';
import { checkInterfaceName, checkNamespaceHandle, InvalidArgumentError } from './validate.js';

/**
 * One end of a veth: its name, its namespace (the current one when omitted), the common link
 * options and its queue counts (`numTxQueues`, `numRxQueues`: given on the pair, the peer's too).
 */
export interface VethEndOptions extends CommonLinkOptions, NewLinkOptions, VethQueueOptions {}

/**
 * A pair: the end made in `namespace`, and `peer`. Each option applies to the end it is given on,
 * but for the queue counts, which the peer takes from the pair unless it gives its own: the kernel
 * decides from the pair's alone whether both ends wait to be cut to one queue (see numTxQueues).
 */
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

  /**
   * Creates both ends with one RTM_NEWLINK, each straight in its namespace, and returns them as read
   * back (`link`, `peer`). Not an async function: its checks, and for the usual pair (one namespace,
   * nothing to look up first, nothing to change on the peer after) the sending, run here; what
   * waits for the kernel is a small async function (readUsualPair, or createRest for every other
   * pair), whose suspended frame keeps only its own few variables, not this function's.
   */
  static create(options: VethPairOptions): Promise<VethPair> {
    try {
      const here = newLinkHome(options, "{ name, namespace, peer: { name, namespace } }");
      checkInterfaceName(options.peer?.name, 'peer.name');
      if (options.peer.namespace !== undefined) checkNamespaceHandle(options.peer.namespace, 'peer.namespace');
      const there = options.peer.namespace ?? here;
      // Two handles of one namespace are not apart: the inodes are read only for two handles.
      const apart = there !== here && there.inode !== here.inode;
      if (!apart && options.peer.name === options.name) {
        throw new InvalidArgumentError('peer.name', options.peer.name, 'is the same as name in the same namespace: a veth needs two names');
      }
      // Both names were checked above.
      const request = checkVeth(options.name, options, options.peer, apart ? there.fd : undefined, true);
      if (apart) request.peerHome = there;
      if (there !== here || request.devices.length > 0 || options.peer.up === true || options.peer.master !== undefined || request.master !== undefined) {
        return VethPair.createRest(options, here, there, request);
      }
      return VethPair.usualPair(here, request, options.name, options.peer.name);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The usual pair (one namespace, no master, nothing to change on the peer after): only on the
   * same socket is the lookup ordered after the create; both go in one datagram, and the lookup's
   * answer settles the create (no ACK for it). The echo, then the peer's reply (its name was
   * checked already, so rtnl.link's check and its two async steps are left out).
   */
  private static usualPair(here: Namespace, request: VethRequest, name: string, lookup: string): Promise<VethPair> {
    const connection = here.rtnl.connection;
    const sending = USUAL_SEND;
    sending.connection = connection;
    sending.request = request;
    sending.lookup = lookup;
    let creation: PendingRequest<NetlinkMessage>;
    try {
      creation = connection.together(sendUsualPair);
    } finally {
      sending.connection = undefined;
      sending.request = undefined;
    }
    const looked = sending.looked!;
    sending.looked = undefined;
    return VethPair.readUsualPair(here, creation, looked, name, lookup, sending.start);
  }

  /**
   * The usual pair's answers (see usualPair): the link from its echo, the peer from the lookup's
   * reply. The creation has no promise of its own: the kernel answers in order, so by the time the
   * lookup settles the creation has (in the same read, or one before), and its outcome is on its
   * request. One await a pair.
   */
  private static async readUsualPair(
    here: Namespace, creation: PendingRequest<NetlinkMessage>, looked: Promise<Uint8Array[]>, name: string, lookup: string, start: number,
  ): Promise<VethPair> {
    // The lookup was made with the connection's `rethrows` false: a failure is rethrown here, its
    // stack then naming the code awaiting this (see rethrowAtCaller); the creation's comes first.
    let frames: Uint8Array[] = NO_FRAMES;
    let lookupFailed = false;
    let lookupError: unknown;
    try {
      frames = await looked;
    } catch (error) {
      lookupFailed = true;
      lookupError = error;
    }
    const connection = here.rtnl.connection;
    const echoed = creation.state === QUEUED || creation.state === SENT
      ? await creationLater(connection, creation, name, start)
      : creationEcho(creation, connection.logger, start, name);
    // A kernel that does not echo: the link is read.
    const state = echoedLink(echoed, name) ?? (await here.rtnl.linkToHold(name));
    if (lookupFailed) rethrowAtCaller(lookupError);
    // Indexed: a destructuring makes an array iterator and its result.
    const frame = frames[0];
    if (frame === undefined) throw new UnexpectedReplyError(`RTM_GETLINK ${lookup}`, 'the kernel sent no reply');
    return new VethPair(new Link(here, state), new Link(here, pendingLinkState(frame)));
  }

  /** Every pair but the usual one (see create), its options checked and its request made. */
  private static async createRest(options: VethPairOptions, here: Namespace, there: Namespace, request: VethRequest): Promise<VethPair> {
    // The kernel cannot bring the peer up in the request that creates it (veth_open finds no
    // peer yet: ENOTCONN), and ignores IFLA_MASTER there, so `peer.up` and `peer.master` are
    // done by a second request once both ends exist.
    const peerUp = options.peer.up;
    const peerMasterRef = options.peer.master;
    // The master each end names is resolved in that end's namespace, before anything is sent.
    let peerMaster: number | undefined;
    if (request.devices.length > 0 || peerMasterRef !== undefined) {
      [, peerMaster] = await Promise.all([
        resolveDevices(here, request.devices),
        peerMasterRef === undefined ? undefined : deviceIn(there, peerMasterRef, 'peer.master'),
      ]);
    }
    const peerChanged = peerUp || peerMaster !== undefined;
    // Pipelined: the peer's lookup goes right behind the RTM_NEWLINK, which the kernel handles
    // first. The peer's `up`, and any request on the other namespace's socket, wait for the ACK:
    // only then is the link ours.
    // RTM_GETLINK first runs the link's pending link-watch work: an end that is up while its peer
    // is not has no carrier, and is deactivated inside that request, with an RCU grace period. An
    // end given a master (which the kernel's echo comes before) is read once its peer is up.
    const readLater = peerChanged && request.master !== undefined && options.up === true;
    if (there === here && !peerChanged) {
      // The usual pair after all: devices named in the options, none of them a master.
      if (request.master === undefined) return VethPair.usualPair(here, request, options.name, options.peer.name);
      const rtnl = here.rtnl;
      const [link, peer] = rtnl.connection.together(() => [quiet(createVeth(rtnl, request)), quiet(peerLink(there, options.peer.name))] as const);
      return new VethPair(new Link(here, await link), await peer);
    }
    let peer: Promise<Link> | undefined;
    const link: Promise<LinkState | undefined> = readLater ? quiet(createVethUnread(here.rtnl, request)) : quiet(createVeth(here.rtnl, request));
    let state = await link;
    if (peerChanged) {
      // setLinkByName's message for { up: true } when `peer.up` is set, and the master, written straight to bytes.
      const set = changePeer(there, { name: options.peer.name, up: Boolean(peerUp), master: peerMaster });
      peer = quiet(peerLink(there, options.peer.name));
      await set;
      state ??= await here.rtnl.linkToHold(options.name);
    }
    peer ??= peerLink(there, options.peer.name);
    return new VethPair(new Link(here, state!), await peer);
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

/**
 * What usualPair hands sendUsualPair, and what it hands back (the lookup's promise, when debug
 * records started): set around one synchronous Connection.together call, so that no closure and
 * context are made a pair.
 */
const USUAL_SEND: { connection: Rtnl['connection'] | undefined; request: VethRequest | undefined; lookup: string; looked: Promise<Uint8Array[]> | undefined; start: number } = {
  connection: undefined,
  request: undefined,
  lookup: '',
  looked: undefined,
  start: -1,
};

/**
 * The usual pair's creation (asking for its echo) and its peer's lookup, written together: returns
 * the creation's request, whose outcome readUsualPair reads off it (Connection.requestKept).
 */
function sendUsualPair(): PendingRequest<NetlinkMessage> {
  const sending = USUAL_SEND;
  const connection = sending.connection!;
  const request = sending.request!;
  request.echo = true;
  sending.start = debugStart(connection.logger);
  const creation = connection.requestKept(VETH_WRITER, request);
  // `rethrows` false: readUsualPair rethrows a failure itself.
  sending.looked = connection.requestWritten(LINK_LOOKUP_WRITER, sending.lookup, NO_OPTIONS, false);
  return creation;
}

/**
 * The echoed frames of the usual pair's creation, settled (Connection.requestKept): its failure
 * thrown at the code awaiting the pair, each logged at debug as logChange logs a change.
 */
function creationEcho(creation: PendingRequest<NetlinkMessage>, log: Logger, start: number, name: string): Uint8Array[] {
  const error = creation.error;
  if (start >= 0) logSettled(log, start, 'link.add', name, error);
  if (error !== undefined) rethrowAtCaller(error);
  return (creation.replies as Uint8Array[] | undefined) ?? NO_FRAMES;
}

/**
 * The usual pair's creation still waiting when its lookup settled, which the kernel's order of
 * answers rules out (for a kernel that answered out of order): awaited on its own.
 */
async function creationLater(connection: Rtnl['connection'], creation: PendingRequest<NetlinkMessage>, name: string, start: number): Promise<Uint8Array[]> {
  try {
    return await logChange(connection.logger, start, 'link.add', name, connection.keptOutcome(creation));
  } catch (error) {
    rethrowAtCaller(error);
  }
}

/** A creation that echoed nothing. */
const NO_FRAMES: Uint8Array[] = [];

/**
 * Creates a veth pair (see checkVeth) and reads back the end made in `rtnl`'s namespace: the kernel
 * echoes it before the ACK (NLM_F_ECHO, honoured by RTM_NEWLINK since about Linux 6.2); from a kernel
 * that does not, it is read with RTM_GETLINK once the ACK came.
 */
export async function createVeth(rtnl: Rtnl, request: VethRequest): Promise<LinkState> {
  const name = request.attrs.ifname!;
  // The kernel echoes the link before it attaches it to IFLA_MASTER: with a master, the link is
  // read by a lookup pipelined behind the creation (same socket, handled in order).
  if (request.master !== undefined) {
    const created = sendCreation(rtnl, request, false);
    const state = quiet(rtnl.linkToHold(name));
    await created;
    return state;
  }
  return echoedLink(await sendCreation(rtnl, request, true), name) ?? rtnl.linkToHold(name);
}

/** Creates a veth pair (see checkVeth) without reading either end back. */
async function createVethUnread(rtnl: Rtnl, request: VethRequest): Promise<undefined> {
  await sendCreation(rtnl, request, false);
  return undefined;
}

/** Sends a veth pair's RTM_NEWLINK, asking for its echo or not; resolves with the frames echoed. */
function sendCreation(rtnl: Rtnl, request: VethRequest, echo: boolean): Promise<Uint8Array[]> {
  const log = rtnl.connection.logger;
  request.echo = echo;
  return logChange(log, debugStart(log), 'link.add', request.attrs.ifname!, rtnl.connection.requestWritten(VETH_WRITER, request));
}

/**
 * The peer end looked up by name, as a Link whose reply is read when first needed (PendingLinkState):
 * a veth end by construction, so no kind is read to choose its class (ns.link() would scan for it).
 */
async function peerLink(there: Namespace, name: string): Promise<Link> {
  return new Link(there, await there.rtnl.linkToHold(name));
}

/** Marks a pipelined request's rejection as handled (the caller awaits it later, or not at all if an earlier step failed). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}
