import { RTM_NEWLINK } from '../../messages/constants.js';
import { readCString } from '../../messages/attributes/scalars.js';
import { firstIfnameIs, linkFlagsOf, linkFrameLength, linkIndexOf, LinkScan, linkTypeOf, scanLink } from '../../messages/link/scan.js';
import { ARPHRD_ETHER, ARPHRD_NETROM, ARPHRD_NONE, IFF_UP, type LinkBody } from '../../messages/link/index.js';
import { linkStateOfFrame, type LinkState } from './links.js';

const KIND_SCAN = new LinkScan();

/**
 * A link reply held by the Link made of it, read when first needed: `index`, `flags` and `up` come
 * from the ifinfomsg header at once; every other field lives in an attribute, and the first read of
 * any of them reads the whole frame (linkStateOfFrame, which throws its NetlinkDecodeError there for
 * a malformed frame). Most links a program makes are only used by index (brought up, given an
 * address), so their attributes are never walked.
 *
 * Only a Link holds one: what a Link gives out (`state`) is the plain LinkState (plainLinkState),
 * and so is what any public call returns.
 */
export class PendingLinkState implements LinkState {
  // Every field is `declare`d and set by the constructor alone: a declared field (#private ones
  // included) makes each object run a field initializer first, which defines it as undefined, two
  // objects a created pair. Plain fields, not #private ones, for that: this object never leaves
  // its Link (see above).
  declare index: number;
  declare flags: number;
  declare up: boolean;
  /** The frame the fields are read from. */
  private declare readonly _frame: Uint8Array;
  /** The frame read whole, once a field needed it. */
  private declare _read: LinkState | undefined;
  /** The kind alone, once told by the scan (false: not yet). */
  private declare _kind: string | undefined | false;

  constructor(frame: Uint8Array) {
    const flags = linkFlagsOf(frame);
    this.index = linkIndexOf(frame);
    this.flags = flags;
    this.up = (flags & IFF_UP) !== 0;
    this._frame = frame;
    this._read = undefined;
    this._kind = false;
  }

  /** The plain LinkState of the frame, with the flags as they are now (a Link changes them on this object). */
  read(): LinkState {
    const state = (this._read ??= linkStateOfFrame(this._frame));
    state.flags = this.flags;
    state.up = this.up;
    return state;
  }

  get name(): string {
    return this.read().name;
  }
  get operstate(): string {
    return this.read().operstate;
  }
  get mtu(): number | undefined {
    return this.read().mtu;
  }
  get mac(): string | undefined {
    return this.read().mac;
  }
  /**
   * Read for every Link made by linkFromState (its class), so told apart from the other fields: the
   * frame is scanned (scanLink checks all of it, as the full read does) and only the kind is made a
   * string. A frame the scan does not take is read whole, which throws its NetlinkDecodeError here.
   */
  get kind(): string | undefined {
    if (this._read !== undefined) return this._read.kind;
    if (this._kind !== false) return this._kind;
    const s = KIND_SCAN;
    const frame = this._frame;
    if (!scanLink(frame, s)) return this.read().kind;
    return (this._kind = s.kindAt < 0 ? undefined : readCString(frame, s.kindAt, s.kindEnd));
  }
  /**
   * Whether ifi_type is ARPHRD_ETHER or ARPHRD_NONE, or 0, which says nothing (what a request
   * carries: a frame written by a program, not the kernel's reply) (classKindOf).
   */
  mayBeEthernetOrNone(): boolean {
    const type = linkTypeOf(this._frame);
    return type === ARPHRD_ETHER || type === ARPHRD_NONE || type === ARPHRD_NETROM;
  }
  get master(): number | undefined {
    return this.read().master;
  }
  get parent(): number | undefined {
    return this.read().parent;
  }
  get linkNetnsid(): number | undefined {
    return this.read().linkNetnsid;
  }
  get raw(): LinkBody {
    return this.read().raw;
  }
}

/**
 * The kind a Link's class is chosen by (linkFromState): `state.kind`, except for a held reply whose
 * device type (ifi_type, in the header) is another than ARPHRD_ETHER, ARPHRD_NONE or 0, which gives
 * undefined without reading the kind. The classes it tells apart are Bridge and Vxlan: the kernel
 * makes every bridge an Ethernet device, and every vxlan one too (ARPHRD_NONE for VXLAN-GPE), so a
 * link of another type (lo above all, looked up in every namespace a program brings up; tunnels of
 * other kinds) is a plain Link, and its reply (lo's about 1.1 KB) is not scanned for a kind that
 * cannot be either. Its attributes are read when first needed, as any held reply's.
 */
export function classKindOf(state: LinkState): string | undefined {
  if (state instanceof PendingLinkState && !state.mayBeEthernetOrNone()) return undefined;
  return state.kind;
}

/**
 * The LinkState of one RTM_NEWLINK frame, for a Link to hold: pending (read when first needed) when
 * its headers are whole, else read at once (linkStateOfFrame: its NetlinkDecodeError then).
 */
export function pendingLinkState(frame: Uint8Array): LinkState {
  return linkFrameLength(frame) < 0 ? linkStateOfFrame(frame) : new PendingLinkState(frame);
}

/** `state` as a plain LinkState (a pending one read now). */
export function plainLinkState(state: LinkState): LinkState {
  return state instanceof PendingLinkState ? state.read() : state;
}

/**
 * The link a creation's echo carries (NLM_F_ECHO), when it is one RTM_NEWLINK of `name`; else
 * undefined, and the caller looks the link up. Shared by the veth and bridge creations, which make
 * a Link of it: its name is told from the first attribute when it can be (firstIfnameIs), and the
 * rest is read when first needed (PendingLinkState).
 */
export function echoedLink(echoed: Uint8Array[], name: string): LinkState | undefined {
  if (echoed.length !== 1) return undefined;
  const frame = echoed[0]!;
  const end = linkFrameLength(frame);
  const named = end < 0 ? undefined : firstIfnameIs(frame, end, name);
  if (named === true) return new PendingLinkState(frame);
  if (named === false) return undefined;
  if (frame.length < 16 || (frame[4]! | (frame[5]! << 8)) !== RTM_NEWLINK) return undefined;
  const state = linkStateOfFrame(frame);
  return state.name === name ? state : undefined;
}
