/**
 * The RTM_NEWLINK that a new veth's peer is given once both ends exist, by the peer's name: up,
 * a master, or both (`ip link set NAME up master BR`), written straight into the send buffer. The
 * bytes are those of setLinkByName's message (setLinkMessage with the name set); without the
 * generic codec, which a process's first creation of a pair with `peer.up` otherwise set up for
 * this one message.
 */
import { NLM_F_ECHO, RTM_NEWLINK } from '../messages/constants.js';
import { beginFrame, endFrame } from '../messages/framing.js';
import { IFLA_MASTER } from '../messages/link/attribute-types.js';
import { IFF_UP } from '../messages/link/index.js';
import type { Writer } from '../messages/writer.js';
import type { NetlinkMessage } from '../messages/message.js';
import { keptChangeFirst, keptChangeReply, keptChangeSettled } from './kept-change.js';
import { Link } from './link.js';
import type { RequestWriter } from './message-codec.js';
import type { Namespace } from './namespace.js';
import { failedAtCaller, QUEUED, SENT, type PendingRequest } from './pending-request.js';
import { NO_OPTIONS } from './request-path.js';
import { describeChanges } from './rtnl/changes.js';
import { debugStart } from './rtnl/change-log.js';
import { IFLA_IFNAME, writeIfinfo, writeName } from './rtnl/ifinfo.js';
import { pendingLinkState } from './rtnl/link-reply.js';
import { LINK_LOOKUP_WRITER } from './rtnl/link-request.js';

/** The peer's change: its name (checked already), whether it is brought up, its master's index if any. */
export interface PeerChange {
  name: string;
  up: boolean;
  master: number | undefined;
}

/** What setLinkByName is given for the same change (the order its description names them in). */
function changesOf(c: PeerChange): { up?: true; master?: number } {
  return { ...(c.up ? { up: true as const } : {}), ...(c.master !== undefined ? { master: c.master } : {}) };
}

function writePeerChange(w: Writer, c: PeerChange, flags: number): void {
  const start = beginFrame(w, RTM_NEWLINK, flags, 0, 0);
  writeIfinfo(w, 0, c.up ? IFF_UP : 0, c.up ? IFF_UP : 0);
  writeName(w, IFLA_IFNAME, c.name);
  if (c.master !== undefined) w.attrU32(IFLA_MASTER, c.master);
  endFrame(w, start);
}

export const PEER_CHANGE_WRITER: RequestWriter<PeerChange> = {
  operation: 'RTM_NEWLINK',
  write: (w, c) => writePeerChange(w, c, 0),
  describe: (c) => `RTM_NEWLINK set ${c.name} ${describeChanges(changesOf(c))}`,
};

/**
 * The same message asking for its echo (NLM_F_ECHO), sent with the peer's lookup behind it
 * (changeAndReadPeer): a change that asks for its echo and is followed in its datagram by a lookup
 * needs no ACK (SendQueue), the lookup's answer settles it. Linux (6.18 checked) echoes no change
 * of an existing link, so the kernel answers the change only if it failed; from a kernel that did
 * echo it, the echo would be kept on the change's request and not read.
 */
const PEER_CHANGE_ECHO_WRITER: RequestWriter<PeerChange> = {
  operation: 'RTM_NEWLINK',
  write: (w, c) => writePeerChange(w, c, NLM_F_ECHO),
  describe: PEER_CHANGE_WRITER.describe!,
};

/** A peer's change and its lookup being made: the lookup's subject (PEER_LOOKUP). */
interface ChangedPeer {
  home: Namespace;
  /** The change, made by Connection.requestKept: its outcome is read off it. */
  change: PendingRequest<NetlinkMessage>;
  /** The peer's name. */
  name: string;
  /** debugStart() as the change was sent. */
  start: number;
}

/** What changeAndReadPeer hands sendChangeAndLookUp, set around one synchronous Connection.together call. */
const SENDING: { home: Namespace | undefined; change: PeerChange | undefined } = { home: undefined, change: undefined };

/**
 * Sends the peer's change on `home`'s socket (a Namespace: the peer's) and, in the same datagram,
 * its lookup by name; resolves with the peer as read once the change was applied (a Link whose
 * reply is read when first needed: a veth end, no kind read to choose its class). A refused change
 * rejects as setLinkByName does; a failed lookup as rtnl.link does. One send and one answer a pair
 * (the change needs no ACK) where the change and the lookup each sent alone took two and two, and
 * one promise: the change has none (Connection.requestKept), the lookup's resolves with the Link.
 */
export function changeAndReadPeer(home: Namespace, change: PeerChange): Promise<Link> {
  SENDING.home = home;
  SENDING.change = change;
  try {
    return home.rtnl.connection.together(sendChangeAndLookUp);
  } catch (error) {
    return Promise.reject(error);
  } finally {
    SENDING.home = undefined;
    SENDING.change = undefined;
  }
}

function sendChangeAndLookUp(): Promise<Link> {
  const home = SENDING.home!;
  const change = SENDING.change!;
  const connection = home.rtnl.connection;
  const start = debugStart(connection.logger);
  const kept = connection.requestKept(PEER_CHANGE_ECHO_WRITER, change);
  const peer: ChangedPeer = { home, change: kept, name: change.name, start };
  // `rethrows` false with a writer that has applied(): the promise resolves with what that makes.
  return connection.requestWritten(PEER_LOOKUP, peer, NO_OPTIONS, false) as Promise<unknown> as Promise<Link>;
}

/**
 * The peer, made as its lookup's answer is read (PEER_LOOKUP's applied(): it must not throw). The
 * kernel answers in order, and the lookup's answer settles the change it covers first: the
 * change's outcome is on its request by then.
 */
function peerRead(peer: ChangedPeer, replies?: unknown[]): unknown {
  try {
    const change = peer.change;
    const state = change.state;
    const frame = replies?.[0] as Uint8Array | undefined;
    // Never seen: a kernel answering out of order.
    if (state === QUEUED || state === SENT) return peerReadLater(peer, frame);
    const reply = keptChangeReply(peer.home.rtnl.connection.logger, change, peer.start, 'link.set', peer.name, peer.name, frame);
    if (reply instanceof Error) return failedAtCaller(reply);
    return new Link(peer.home, pendingLinkState(reply));
  } catch (error) {
    return failedAtCaller(error);
  }
}

/** The peer whose change still waited when its lookup was answered: the change awaited on its own. */
async function peerReadLater(peer: ChangedPeer, frame: Uint8Array | undefined): Promise<Link> {
  await keptChangeSettled(peer.home.rtnl.connection, peer.change, peer.start, 'link.set', peer.name);
  return (await peerRead(peer, frame === undefined ? undefined : [frame])) as Link;
}

/** The error a failed lookup fails the peer with: the change's, if it failed (logged then, as logChange does). */
function peerRefused(peer: ChangedPeer, error: Error): Error {
  return keptChangeFirst(peer.home.rtnl.connection.logger, peer.change, peer.start, 'link.set', peer.name, error);
}

/** The peer's lookup: its subject the change before it, its promise the peer's Link (see peerRead). */
const PEER_LOOKUP: RequestWriter<ChangedPeer> = {
  operation: 'RTM_GETLINK',
  write: (w, peer) => LINK_LOOKUP_WRITER.write(w, peer.name),
  describe: (peer) => LINK_LOOKUP_WRITER.describe!(peer.name),
  applied: peerRead,
  refused: peerRefused,
};
