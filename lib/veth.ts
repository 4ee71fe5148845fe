import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { NO_OPTIONS } from './request-path.js';
import { failedAtCaller, noop, QUEUED, SENT, type PendingRequest } from './pending-request.js';
import type { NetlinkMessage } from '../messages/message.js';
import type { RequestWriter } from './message-codec.js';
import { newLinkHome, type NewLinkOptions } from './new-link.js';
import { changeAndReadPeer } from './veth-peer-request.js';
import { keptChangeFirst, keptChangeReply, keptChangeSettled } from './kept-change.js';
import { deviceIn, resolveDevices } from './rtnl/device-ref.js';
import { debugStart, logChange } from './rtnl/change-log.js';
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
  // Declared and set by the constructor: a class field (a parameter property is one) would make
  // each pair run a field initializer that defines both as undefined first.
  /** The end created in `options.namespace`. */
  declare readonly link: Link;
  /** The other end, in `options.peer.namespace`. */
  declare readonly peer: Link;

  private constructor(link: Link, peer: Link) {
    this.link = link;
    this.peer = peer;
  }

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
      return VethPair.usualPair(here, request, options.peer.name);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The usual pair (one namespace, no master, nothing to change on the peer after): only on the
   * same socket is the lookup ordered after the create; both go in one datagram, and the lookup's
   * answer settles the create (no ACK for it). The echo, then the peer's reply (its name was
   * checked already, so rtnl.link's check and its two async steps are left out). The pair's
   * promise is the lookup's own (see USUAL_LOOKUP).
   */
  private static usualPair(here: Namespace, request: VethRequest, lookup: string): Promise<VethPair> {
    const sending = USUAL_SEND;
    sending.here = here;
    sending.request = request;
    sending.lookup = lookup;
    try {
      return here.rtnl.connection.together(VethPair.sendUsualPair);
    } finally {
      sending.here = undefined;
      sending.request = undefined;
    }
  }

  /**
   * The usual pair's creation (asking for its echo) and its peer's lookup, written together: the
   * creation is given no promise (Connection.requestKept), and the lookup's resolves with the pair
   * (USUAL_LOOKUP's applied()).
   */
  private static sendUsualPair(): Promise<VethPair> {
    const sending = USUAL_SEND;
    const here = sending.here!;
    const connection = here.rtnl.connection;
    const request = sending.request!;
    request.echo = true;
    const start = debugStart(connection.logger);
    const creation = connection.requestKept(VETH_WRITER, request);
    const pair: UsualPair = { here, creation, lookup: sending.lookup, start };
    // `rethrows` false with a writer that has applied(): the promise resolves with what that makes.
    return connection.requestWritten(VethPair.USUAL_LOOKUP, pair, NO_OPTIONS, false) as Promise<unknown> as Promise<VethPair>;
  }

  /**
   * The usual pair, made as its lookup's answer is read (USUAL_LOOKUP's applied(): it must not
   * throw). The kernel answers in order, and the lookup's answer settles the creation it covers
   * first: the creation's outcome is on its request by then.
   */
  private static usualMade(pair: UsualPair, replies?: unknown[]): unknown {
    try {
      const creation = pair.creation;
      const state = creation.state;
      const frame = replies?.[0] as Uint8Array | undefined;
      // Never seen: a kernel answering out of order.
      if (state === QUEUED || state === SENT) return VethPair.madeLater(pair, frame);
      const here = pair.here;
      const name = (creation.subject as VethRequest).attrs.ifname!;
      const reply = keptChangeReply(here.rtnl.connection.logger, creation, pair.start, 'link.add', name, pair.lookup, frame);
      if (reply instanceof Error) return failedAtCaller(reply);
      const echoed = creation.replies as Uint8Array[] | undefined;
      const link = echoed === undefined ? undefined : echoedLink(echoed, name);
      // A kernel that does not echo: the link is read.
      if (link === undefined) return VethPair.madeReading(here, name, reply);
      return new VethPair(new Link(here, link), new Link(here, pendingLinkState(reply)));
    } catch (error) {
      return failedAtCaller(error);
    }
  }

  /** The usual pair from a kernel that did not echo the link it created: the link is read first. */
  private static async madeReading(here: Namespace, name: string, frame: Uint8Array): Promise<VethPair> {
    return new VethPair(new Link(here, await here.rtnl.linkToHold(name)), new Link(here, pendingLinkState(frame)));
  }

  /** The usual pair whose creation still waited when its lookup was answered: awaited on its own. */
  private static async madeLater(pair: UsualPair, frame: Uint8Array | undefined): Promise<VethPair> {
    const creation = pair.creation;
    await keptChangeSettled(pair.here.rtnl.connection, creation, pair.start, 'link.add', (creation.subject as VethRequest).attrs.ifname!);
    return (await VethPair.usualMade(pair, frame === undefined ? undefined : [frame])) as VethPair;
  }

  /**
   * The usual pair's lookup: its subject the pair being made, its promise the pair's (applied()
   * makes the pair); a failure of the creation is the pair's failure, else the lookup's is.
   */
  private static readonly USUAL_LOOKUP: RequestWriter<UsualPair> = {
    operation: 'RTM_GETLINK',
    write: (w, pair) => LINK_LOOKUP_WRITER.write(w, pair.lookup),
    describe: (pair) => LINK_LOOKUP_WRITER.describe!(pair.lookup),
    applied: VethPair.usualMade,
    refused: usualRefused,
  };

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
      if (request.master === undefined) return VethPair.usualPair(here, request, options.peer.name);
      const rtnl = here.rtnl;
      const [link, peer] = rtnl.connection.together(() => [quiet(createVeth(rtnl, request)), quiet(peerLink(there, options.peer.name))] as const);
      return new VethPair(new Link(here, await link), await peer);
    }
    const link: Promise<LinkState | undefined> = readLater ? quiet(createVethUnread(here.rtnl, request)) : quiet(createVeth(here.rtnl, request));
    let state = await link;
    if (peerChanged) {
      // setLinkByName's message for { up: true } when `peer.up` is set, and the master, written
      // straight to bytes, and the peer's lookup behind it in one datagram: read once it is applied.
      const peer = await changeAndReadPeer(there, { name: options.peer.name, up: Boolean(peerUp), master: peerMaster });
      state ??= await here.rtnl.linkToHold(options.name);
      return new VethPair(new Link(here, state), peer);
    }
    return new VethPair(new Link(here, state!), await peerLink(there, options.peer.name));
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
 * What usualPair hands sendUsualPair: set around one synchronous Connection.together call, so
 * that no closure and context are made a pair.
 */
const USUAL_SEND: { here: Namespace | undefined; request: VethRequest | undefined; lookup: string } = {
  here: undefined,
  request: undefined,
  lookup: '',
};

/** A usual pair being made: the subject of its lookup (VethPair's USUAL_LOOKUP). */
interface UsualPair {
  here: Namespace;
  /** The creation, made by Connection.requestKept: its outcome is read off it. */
  creation: PendingRequest<NetlinkMessage>;
  /** The peer's name. */
  lookup: string;
  /** debugStart() as the pair was sent. */
  start: number;
}

/** The error a usual pair's failed lookup fails the pair with: the creation's, if it failed (logged then, as logChange does). */
function usualRefused(pair: UsualPair, error: Error): Error {
  const creation = pair.creation;
  return keptChangeFirst(pair.here.rtnl.connection.logger, creation, pair.start, 'link.add', (creation.subject as VethRequest).attrs.ifname!, error);
}

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
