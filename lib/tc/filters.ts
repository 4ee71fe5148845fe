import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, RTM_DELTFILTER, RTM_NEWTFILTER } from '../../messages/constants.js';
import type { FilterMessage } from '../../messages/message.js';
import { TC_ACT_STOLEN, type TcAction } from '../../messages/tc/actions.js';
import { tcHandle } from '../../messages/tc/header.js';
import { TCA_EGRESS_MIRROR, TCA_EGRESS_REDIR, TCA_INGRESS_MIRROR, TCA_INGRESS_REDIR } from '../../messages/tc/kinds/mirred.js';
import { TC_U32_TERMINAL, type U32Key } from '../../messages/tc/kinds/u32.js';
import type { FilterBody } from '../../messages/tc/index.js';
import { checkInteger, InvalidArgumentError } from '../validate.js';
import { deviceIndex } from '../rtnl/device-ref.js';
import type { DeviceRef } from '../rtnl/routes.js';
import { formatHandle, parseHandle, type HandleRef } from './units.js';

// Filters as `tc filter` takes and shows them: u32 classifiers whose actions mirror or redirect
// packets to another device (mirred), the building block of ingress shaping through an ifb.

/** Ethertypes in tcm_info, in network byte order as the kernel keeps them. */
const PROTOCOLS = { all: 0x0300, ip: 0x0008, ipv6: 0xdd86 } as const;
/** Which packets a filter sees by ethertype: 'all', 'ip' or 'ipv6'. */
export type FilterProtocol = keyof typeof PROTOCOLS;
const PROTOCOL_NAMES = new Map(Object.entries(PROTOCOLS).map(([k, v]) => [v as number, k as FilterProtocol]));

/** `action mirred egress redirect dev DEV` (or mirror, or to the device's ingress). */
export interface MirredSpec {
  kind: 'mirred';
  /** Redirect (the packet goes there instead) or mirror (a copy goes there). Default redirect. */
  mode?: 'redirect' | 'mirror';
  /** Into the target's egress (sent out of it: what an ifb needs) or its ingress. Default egress. */
  direction?: 'egress' | 'ingress';
  /**
   * The target device: a Link, a name or an index, as every `dev` (ns.tc resolves a name in its
   * namespace; the message builder takes an index or a Link). Read back: its index.
   */
  dev: DeviceRef;
}

/** A u32 filter: every key must match (`match u32 VAL MASK at OFF`); no keys match everything. */
export interface U32FilterSpec {
  kind: 'u32';
  /** Where it hangs: 'ingress' (ffff:, the default) or a qdisc or class handle. */
  parent?: HandleRef;
  protocol?: FilterProtocol;
  /** 1 to 65535; left to the kernel (49152 and down) when absent. */
  priority?: number;
  keys?: U32Key[];
  /** Class to put matching packets in ('1:10'), for classful qdiscs. */
  classid?: HandleRef;
  actions?: MirredSpec[];
}

/** A filter as the kernel reports it (a u32 filter shows as its hash table and its key nodes). */
export interface Filter {
  /** The device's index. */
  dev: number;
  kind: string;
  parent: string;
  protocol: FilterProtocol | number;
  priority: number;
  /** The kernel's handle of this node, as a number (u32 node handles: 0x80000800 is 800::800). */
  handle: number;
  /** Its mirred actions, in the words U32FilterSpec's `actions` take (`dev` the target's index). */
  actions?: Array<MirredSpec & { dev: number; mode: 'redirect' | 'mirror'; direction: 'egress' | 'ingress' }>;
  raw: FilterBody;
}

/** The ingress qdisc's handle (ffff:), where ingress filters hang. */
const INGRESS_QDISC = tcHandle(0xffff, 0);

/** A filter's parent: a qdisc or class handle, with 'ingress' for the ingress qdisc (ffff:). */
function filterParent(parent: HandleRef | undefined): number {
  return parent === undefined || parent === 'ingress' ? INGRESS_QDISC : parseHandle(parent, 'parent');
}

function mirredAction(spec: MirredSpec, order: number, field: string): TcAction {
  const mode = spec.mode ?? 'redirect';
  const direction = spec.direction ?? 'egress';
  if (mode !== 'redirect' && mode !== 'mirror') throw new InvalidArgumentError(`${field}.mode`, spec.mode, "is not 'redirect' or 'mirror'");
  if (direction !== 'egress' && direction !== 'ingress') throw new InvalidArgumentError(`${field}.direction`, spec.direction, "is not 'egress' or 'ingress'");
  const eaction = direction === 'egress' ? (mode === 'redirect' ? TCA_EGRESS_REDIR : TCA_EGRESS_MIRROR) : mode === 'redirect' ? TCA_INGRESS_REDIR : TCA_INGRESS_MIRROR;
  return {
    order,
    kind: 'mirred',
    options: {
      parms: {
        index: 0, capab: 0, refcnt: 0, bindcnt: 0,
        // A redirected packet is the target's now (stolen); a mirrored one goes on (pipe, 3).
        action: mode === 'redirect' ? TC_ACT_STOLEN : 3,
        eaction,
        ifindex: deviceIndex(spec.dev, `${field}.dev`),
      },
    },
  };
}

function checkKey(key: U32Key, field: string): U32Key {
  if (typeof key !== 'object' || key === null) throw new InvalidArgumentError(field, key, 'is not a key { val, mask, off }');
  return {
    mask: checkInteger(key.mask, `${field}.mask`, 0, 0xffffffff),
    val: checkInteger(key.val, `${field}.val`, 0, 0xffffffff),
    off: checkInteger(key.off ?? 0, `${field}.off`, -0x80000000, 0x7fffffff),
    offmask: checkInteger(key.offmask ?? 0, `${field}.offmask`, -0x80000000, 0x7fffffff),
  };
}

/** RTM_NEWTFILTER for a u32 filter on the device with index `ifindex`. */
export function filterMessage(ifindex: number, spec: U32FilterSpec): FilterMessage {
  if (typeof spec !== 'object' || spec === null || spec.kind !== 'u32') throw new InvalidArgumentError('kind', spec?.kind, "is not a filter kind this library builds: 'u32'");
  const protocol = PROTOCOLS[spec.protocol ?? 'all'];
  if (protocol === undefined) throw new InvalidArgumentError('protocol', spec.protocol, `is not one of ${Object.keys(PROTOCOLS).join(', ')}`);
  const priority = spec.priority === undefined ? 0 : checkInteger(spec.priority, 'priority', 1, 0xffff);
  // u32 matches when every key does; with no key, one key that compares nothing (as `match u32 0 0`).
  const keys = (spec.keys ?? []).map((k, i) => checkKey(k, `keys[${i}]`));
  if (keys.length > 128) throw new InvalidArgumentError('keys', keys.length, 'is more keys than u32 takes (128)');
  const options: NonNullable<Extract<FilterBody['attrs'], { kind: 'u32' }>['options']> = {
    sel: { flags: TC_U32_TERMINAL, offshift: 0, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0, keys: keys.length ? keys : [{ mask: 0, val: 0, off: 0, offmask: 0 }] },
  };
  if (spec.classid !== undefined) options.classid = parseHandle(spec.classid, 'classid');
  if (spec.actions !== undefined) {
    if (!Array.isArray(spec.actions) || spec.actions.length === 0) throw new InvalidArgumentError('actions', spec.actions, 'is not a non-empty array of actions');
    options.actions = spec.actions.map((a, i) => {
      if (a?.kind !== 'mirred') throw new InvalidArgumentError(`actions[${i}].kind`, a?.kind, "is not an action kind this library builds: 'mirred'");
      return mirredAction(a, i + 1, `actions[${i}]`);
    });
  }
  return {
    kind: 'filter',
    type: RTM_NEWTFILTER,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    seq: 0,
    pid: 0,
    body: {
      family: AF_UNSPEC,
      ifindex: checkInteger(ifindex, 'dev', 1, 0x7fffffff),
      handle: 0,
      parent: filterParent(spec.parent),
      info: ((priority << 16) | protocol) >>> 0,
      attrs: { kind: 'u32', options },
    },
  };
}

/** RTM_DELTFILTER: every filter under `parent` (or only those of `priority`). */
export function deleteFilterMessage(ifindex: number, parent: HandleRef, priority?: number): FilterMessage {
  const prio = priority === undefined ? 0 : checkInteger(priority, 'priority', 1, 0xffff);
  return {
    kind: 'filter',
    type: RTM_DELTFILTER,
    flags: 0,
    seq: 0,
    pid: 0,
    body: { family: AF_UNSPEC, ifindex: checkInteger(ifindex, 'dev', 1, 0x7fffffff), handle: 0, parent: filterParent(parent), info: (prio << 16) >>> 0, attrs: {} },
  };
}

export function toFilter(raw: FilterBody): Filter {
  const a = raw.attrs;
  const filter: Filter = {
    dev: raw.ifindex,
    kind: a.kind ?? '',
    parent: raw.parent === INGRESS_QDISC ? 'ingress' : formatHandle(raw.parent),
    protocol: PROTOCOL_NAMES.get(raw.info & 0xffff) ?? raw.info & 0xffff,
    priority: raw.info >>> 16,
    handle: raw.handle,
    raw,
  };
  if (a.kind === 'u32' && a.options && !(a.options instanceof Uint8Array) && a.options.actions) {
    filter.actions = a.options.actions.flatMap((action) => {
      if (action.kind !== 'mirred' || !action.options || action.options instanceof Uint8Array || !action.options.parms) return [];
      const { eaction, ifindex } = action.options.parms;
      return [{ kind: 'mirred', dev: ifindex, mode: eaction === TCA_EGRESS_REDIR || eaction === TCA_INGRESS_REDIR ? 'redirect' : 'mirror', direction: eaction <= TCA_EGRESS_MIRROR ? 'egress' : 'ingress' }];
    });
  }
  return filter;
}
