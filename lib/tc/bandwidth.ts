import { createLinkIn } from '../new-link.js';
import { requestChange } from '../rtnl/change-log.js';
import type { DeviceRef } from '../rtnl/routes.js';
import { checkInterfaceName, checkU32, InvalidArgumentError } from '../validate.js';
import type { Qdisc, TbfSpec } from './qdiscs.js';
import { qdiscMessage } from './qdiscs.js';
import { filterMessage } from './filters.js';
import type { TrafficControl } from './tc.js';

// Rate limits on a device the way the CNI bandwidth plugin sets them: a token bucket (tbf) as the
// root qdisc for what the device sends; for what it receives, an ingress qdisc whose u32 filter
// redirects every packet to an ifb device, which sends it on through a tbf of its own.

/** A rate cap: bits per second (or '10mbit'), and optionally the bucket size and queue. */
export type RateLimit = Omit<TbfSpec, 'kind'>;

/** What ns.tc.limitBandwidth() takes: a rate for each direction to cap. */
export interface BandwidthLimits {
  /** What the device sends. */
  egress?: RateLimit;
  /** What the device receives (shaped on an ifb device, as the CNI bandwidth plugin does). */
  ingress?: RateLimit;
  /** Name of the ifb device for the ingress limit; default `ifb<index of the device>`. */
  ifb?: string;
  /** Its transmit queue length; default the kernel's (32). The CNI bandwidth plugin's is 0. */
  ifbTxqlen?: number;
}

/** The limits in place on a device, as read back. */
export interface BandwidthState {
  egress?: Qdisc;
  ingress?: Qdisc & { ifb: string };
}


/**
 * Caps what `dev` sends (egress) and receives (ingress). Every limit is checked before anything is
 * sent; a device that already has a root or ingress qdisc is refused by the kernel (EEXIST), and
 * what was created before a failure is removed again.
 */
export async function limitBandwidth(tc: TrafficControl, dev: DeviceRef, limits: BandwidthLimits): Promise<void> {
  if (typeof limits !== 'object' || limits === null || (limits.egress === undefined && limits.ingress === undefined)) {
    throw new InvalidArgumentError('limits', limits, 'has neither egress nor ingress: give at least one { rate }');
  }
  if (limits.egress !== undefined) qdiscMessage('add', 1, { kind: 'tbf', ...limits.egress });
  if (limits.ingress !== undefined) qdiscMessage('add', 1, { kind: 'tbf', ...limits.ingress });
  if (limits.ifb !== undefined) checkInterfaceName(limits.ifb, 'ifb');
  if (limits.ifbTxqlen !== undefined) checkU32(limits.ifbTxqlen, 'ifbTxqlen');
  const link = await tc.namespace.rtnl.link(dev);
  const rtnl = tc.namespace.rtnl;
  const undo: Array<() => Promise<void>> = [];
  try {
    if (limits.egress !== undefined) {
      await requestChange(rtnl.connection, qdiscMessage('add', link.index, { kind: 'tbf', ...limits.egress }), `RTM_NEWQDISC dev ${link.name} root tbf`, 'qdisc.add', link.name);
      undo.push(() => tc.deleteQdisc(link.index, 'root'));
    }
    if (limits.ingress !== undefined) {
      const ifb = limits.ifb ?? `ifb${link.index}`.slice(0, 15);
      const ifbState = await createLinkIn(tc.namespace, 'ifb', ifb, { up: true, ...(link.mtu !== undefined ? { mtu: link.mtu } : {}), ...(limits.ifbTxqlen !== undefined ? { txqlen: limits.ifbTxqlen } : {}) });
      undo.push(() => rtnl.deleteLink(ifbState.index));
      // The ifb is shaped before anything is sent to it.
      await requestChange(rtnl.connection, qdiscMessage('add', ifbState.index, { kind: 'tbf', ...limits.ingress }), `RTM_NEWQDISC dev ${ifb} root tbf`, 'qdisc.add', ifb);
      await requestChange(rtnl.connection, qdiscMessage('add', link.index, { kind: 'ingress' }), `RTM_NEWQDISC dev ${link.name} ingress`, 'qdisc.add', link.name);
      undo.push(() => tc.deleteQdisc(link.index, 'ingress'));
      const redirect = filterMessage(link.index, { kind: 'u32', parent: 'ingress', protocol: 'all', actions: [{ kind: 'mirred', mode: 'redirect', direction: 'egress', dev: ifbState.index }] });
      await requestChange(rtnl.connection, redirect, `RTM_NEWTFILTER dev ${link.name} u32 redirect to ${ifb}`, 'filter.add', link.name);
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw error;
  }
}

/** The limits limitBandwidth put on `dev` (an ingress limit is found through its redirect to an ifb). */
export async function bandwidthOf(tc: TrafficControl, dev: DeviceRef): Promise<BandwidthState> {
  const link = await tc.namespace.rtnl.link(dev);
  const qdiscs = await tc.qdiscs();
  const state: BandwidthState = {};
  const egress = qdiscs.find((q) => q.dev === link.index && q.parent === 'root' && q.kind === 'tbf');
  if (egress) state.egress = egress;
  if (qdiscs.some((q) => q.dev === link.index && q.kind === 'ingress')) {
    const target = (await tc.filters(link.index)).flatMap((f) => f.actions ?? []).find((r) => r.mode === 'redirect' && r.direction === 'egress');
    const shaped = target && qdiscs.find((q) => q.dev === target.dev && q.parent === 'root' && q.kind === 'tbf');
    if (target && shaped) state.ingress = { ...shaped, ifb: (await tc.namespace.rtnl.link(target.dev)).name };
  }
  return state;
}

/** Removes what limitBandwidth put on `dev`: its root tbf, its ingress qdisc (with the filter) and the ifb. */
export async function removeBandwidthLimits(tc: TrafficControl, dev: DeviceRef): Promise<void> {
  const state = await bandwidthOf(tc, dev);
  const link = await tc.namespace.rtnl.link(dev);
  if (state.egress) await tc.deleteQdisc(link.index, 'root');
  if (state.ingress) {
    await tc.deleteQdisc(link.index, 'ingress');
    const ifb = await tc.namespace.rtnl.link(state.ingress.ifb);
    if (ifb.kind === 'ifb') await tc.namespace.rtnl.deleteLink(ifb.index);
  }
}
