/**
 * The RTM_NEWLINK that a new veth's peer is given once both ends exist, by the peer's name: up,
 * a master, or both (`ip link set NAME up master BR`), written straight into the send buffer. The
 * bytes are those of setLinkByName's message (setLinkMessage with the name set); without the
 * generic codec, which a process's first creation of a pair with `peer.up` otherwise set up for
 * this one message.
 */
import { RTM_NEWLINK } from '../messages/constants.js';
import { beginFrame, endFrame } from '../messages/framing.js';
import { IFLA_MASTER } from '../messages/link/attribute-types.js';
import { IFF_UP } from '../messages/link/index.js';
import type { Writer } from '../messages/writer.js';
import { rethrowAtCaller } from './errors.js';
import type { RequestWriter } from './message-codec.js';
import { describeChanges } from './rtnl/changes.js';
import { debugStart, logChange } from './rtnl/change-log.js';
import type { Rtnl } from './rtnl/client.js';
import { IFLA_IFNAME, writeIfinfo, writeName } from './rtnl/ifinfo.js';

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

function writePeerChange(w: Writer, c: PeerChange): void {
  const start = beginFrame(w, RTM_NEWLINK, 0, 0, 0);
  writeIfinfo(w, 0, c.up ? IFF_UP : 0, c.up ? IFF_UP : 0);
  writeName(w, IFLA_IFNAME, c.name);
  if (c.master !== undefined) w.attrU32(IFLA_MASTER, c.master);
  endFrame(w, start);
}

export const PEER_CHANGE_WRITER: RequestWriter<PeerChange> = {
  operation: 'RTM_NEWLINK',
  write: writePeerChange,
  describe: (c) => `RTM_NEWLINK set ${c.name} ${describeChanges(changesOf(c))}`,
};

/** Sends the peer's change on `home`'s socket (a Namespace: the peer's); resolves on its ACK, rejects as setLinkByName does. */
export async function changePeer(home: { readonly rtnl: Rtnl }, change: PeerChange): Promise<void> {
  const connection = home.rtnl.connection;
  try {
    const log = connection.logger;
    await logChange(log, debugStart(log), 'link.set', change.name, connection.requestWritten(PEER_CHANGE_WRITER, change));
  } catch (error) {
    rethrowAtCaller(error);
  }
}
