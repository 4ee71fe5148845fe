/**
 * The RTM_NEWLINK of a bridge created with no option but `up` (`ip link add NAME type bridge`, the
 * usual one), written straight into the send buffer with NLM_F_ECHO: the kernel's echo gives the
 * new link, so no RTM_GETLINK follows. The bytes are those of createLinkRequest('bridge', ...)
 * with the echo flag added.
 */
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, RTM_NEWLINK } from '../messages/constants.js';
import { beginFrame, endFrame } from '../messages/framing.js';
import { IFLA_LINKINFO } from '../messages/link/attribute-types.js';
import { IFF_UP, IFLA_INFO_KIND } from '../messages/link/index.js';
import type { Writer } from '../messages/writer.js';
import { rethrowAtCaller } from './errors.js';
import type { RequestWriter } from './message-codec.js';
import { debugStart, logChange } from './rtnl/change-log.js';
import type { Rtnl } from './rtnl/client.js';
import { IFLA_IFNAME, writeIfinfo, writeName } from './rtnl/ifinfo.js';
import { echoedLink } from './rtnl/link-reply.js';
import type { LinkState } from './rtnl/links.js';

/** IFLA_INFO_KIND's payload: "bridge", without a NUL, as the generic codec writes a kind. */
const BRIDGE_KIND = Uint8Array.of(0x62, 0x72, 0x69, 0x64, 0x67, 0x65);

/** A plain bridge's creation: its name (checked already) and whether it is brought up. */
export interface PlainBridge {
  name: string;
  up: boolean;
}

/**
 * The plain bridge `options` describe, or undefined when they hold anything but `name`,
 * `namespace` and a boolean (or absent) `up`: those go the general way, which checks them.
 */
export function plainBridge(options: object, name: string): PlainBridge | undefined {
  let up = false;
  for (const key in options) {
    // An inherited key is not among the options the general way reads (it spreads own keys).
    if (!Object.hasOwn(options, key)) return undefined;
    if (key === 'name' || key === 'namespace') continue;
    if (key !== 'up') return undefined;
    const value = (options as { up?: unknown }).up;
    if (value !== undefined && typeof value !== 'boolean') return undefined;
    up = value === true;
  }
  return { name, up };
}

function writeBridge(w: Writer, b: PlainBridge): void {
  const start = beginFrame(w, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, 0, 0);
  writeIfinfo(w, 0, b.up ? IFF_UP : 0, b.up ? IFF_UP : 0);
  writeName(w, IFLA_IFNAME, b.name);
  const linkinfo = w.beginAttr(IFLA_LINKINFO);
  const kind = w.beginAttr(IFLA_INFO_KIND);
  w.bytes(BRIDGE_KIND);
  w.endAttr(kind);
  w.endAttr(linkinfo);
  endFrame(w, start);
}

export const BRIDGE_WRITER: RequestWriter<PlainBridge> = {
  operation: 'RTM_NEWLINK',
  write: writeBridge,
  describe: (b) => `RTM_NEWLINK ${b.name} type bridge`,
};

/**
 * Creates a plain bridge in `home` (a Namespace): its state from the kernel's echo (one RTM_NEWLINK of that
 * name), or, from a kernel that does not echo a new link, looked up once the ACK came.
 */
export async function createPlainBridge(home: { readonly rtnl: Rtnl }, plain: PlainBridge): Promise<LinkState> {
  const connection = home.rtnl.connection;
  let echoed: Uint8Array[];
  try {
    const log = connection.logger;
    echoed = await logChange(log, debugStart(log), 'link.add', plain.name, connection.requestWritten(BRIDGE_WRITER, plain));
  } catch (error) {
    rethrowAtCaller(error);
  }
  // Asked of `home` again: a namespace that releases its socket when idle opens it anew.
  return echoedLink(echoed, plain.name) ?? home.rtnl.linkToHold(plain.name);
}
