import { AF_UNSPEC, NLM_F_DUMP, NLM_F_REQUEST, RTM_GETQDISC, RTM_GETTFILTER } from '../../messages/constants.js';
import type { FilterMessage, QdiscMessage } from '../../messages/message.js';
import type { Namespace } from '../namespace.js';
import { requestChange } from '../rtnl/change-log.js';
import type { DeviceRef } from '../rtnl/routes.js';
import { deviceIn } from '../rtnl/device-ref.js';
import { deleteFilterMessage, filterMessage, toFilter, type Filter, type U32FilterSpec } from './filters.js';
import { deleteQdiscMessage, qdiscMessage, toQdisc, type Qdisc, type QdiscSpec } from './qdiscs.js';
import { formatHandle, parseHandle, type HandleRef } from './units.js';
import { tcHandle } from '../../messages/tc/header.js';
import { bandwidthOf, limitBandwidth, removeBandwidthLimits, type BandwidthLimits, type BandwidthState } from './bandwidth.js';

/** What addFilter takes: a u32 filter, whose mirred actions name their target `dev` as a Link, a name or an index. */
export type FilterSpec = U32FilterSpec;

/**
 * Traffic control in one namespace, as `tc` does it: qdiscs and filters on its devices (`ns.tc`).
 * Devices are given as every `dev` is, a Link, a name or an index, resolved in this namespace (a
 * name that is not there is an InvalidArgumentError); every argument is checked before anything is
 * sent. What qdiscs() and filters() read back names devices by index, in the same words (`dev`).
 */
export class TrafficControl {
  constructor(readonly namespace: Namespace) {}

  private get connection() {
    return this.namespace.rtnl.connection;
  }

  /** The qdiscs of every device, or of one (`tc qdisc show [dev DEV]`). */
  async qdiscs(filter: { dev?: DeviceRef } = {}): Promise<Qdisc[]> {
    const ifindex = filter.dev === undefined ? undefined : await this.index(filter.dev);
    const request: QdiscMessage = {
      kind: 'qdisc', type: RTM_GETQDISC, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0,
      body: { family: AF_UNSPEC, ifindex: 0, handle: 0, parent: 0, info: 0, attrs: {} },
    };
    const replies = await this.connection.dump(request, { operation: 'RTM_GETQDISC dump' });
    const out: Qdisc[] = [];
    for (const m of replies) if (m.kind === 'qdisc' && (ifindex === undefined || m.body.ifindex === ifindex)) out.push(toQdisc(m.body));
    return out;
  }

  /** `tc qdisc add dev DEV ...`: EEXIST if the device already has a qdisc there (use replaceQdisc). */
  async addQdisc(dev: DeviceRef, spec: QdiscSpec): Promise<void> {
    await this.sendQdisc('add', dev, spec);
  }

  /** `tc qdisc replace dev DEV ...`: creates it, or replaces what is at that parent. */
  async replaceQdisc(dev: DeviceRef, spec: QdiscSpec): Promise<void> {
    await this.sendQdisc('replace', dev, spec);
  }

  /** The index of `dev` in this namespace (deviceIn: a missing name is an InvalidArgumentError naming `field`). */
  private index(dev: DeviceRef, field = 'dev'): Promise<number> {
    return deviceIn(this.namespace, dev, field);
  }

  private async sendQdisc(kind: 'add' | 'replace', dev: DeviceRef, spec: QdiscSpec): Promise<void> {
    // Built (and so checked) before the device is looked up; the index is filled in after.
    const message = qdiscMessage(kind, 1, spec);
    message.body.ifindex = await this.index(dev);
    await requestChange(this.connection, message, `RTM_NEWQDISC ${kind} dev ${dev} ${formatHandle(message.body.parent)} ${spec.kind}`, `qdisc.${kind}`, dev);
  }

  /** `tc qdisc del dev DEV root` (or 'ingress'): the device goes back to its default qdisc. */
  async deleteQdisc(dev: DeviceRef, parent: HandleRef = 'root'): Promise<void> {
    const message = deleteQdiscMessage(1, parent);
    message.body.ifindex = await this.index(dev);
    await requestChange(this.connection, message, `RTM_DELQDISC dev ${dev} ${formatHandle(message.body.parent)}`, 'qdisc.del', dev);
  }

  /** The filters under `parent` of a device (`tc filter show dev DEV parent ffff:`). */
  async filters(dev: DeviceRef, parent: HandleRef = 'ingress'): Promise<Filter[]> {
    const request: FilterMessage = {
      kind: 'filter', type: RTM_GETTFILTER, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0,
      body: { family: AF_UNSPEC, ifindex: 0, handle: 0, parent: parent === 'ingress' ? tcHandle(0xffff, 0) : parseHandle(parent, 'parent'), info: 0, attrs: {} },
    };
    request.body.ifindex = await this.index(dev);
    const replies = await this.connection.dump(request, { operation: `RTM_GETTFILTER dump dev ${dev}` });
    return replies.flatMap((m) => (m.kind === 'filter' ? [toFilter(m.body)] : []));
  }

  /** `tc filter add dev DEV parent ffff: protocol all u32 match ... action mirred egress redirect dev IFB`. */
  async addFilter(dev: DeviceRef, spec: FilterSpec): Promise<void> {
    // Checked first with the targets as placeholders (index 1), then built with them resolved.
    const targets: readonly unknown[] = Array.isArray(spec?.actions) ? spec.actions.map((a: { dev?: unknown } | undefined) => a?.dev) : [];
    const withTargets = (devs: readonly unknown[]): U32FilterSpec => (spec.actions ? { ...spec, actions: spec.actions.map((a, i) => ({ ...a, dev: devs[i] as DeviceRef })) } : spec);
    filterMessage(1, withTargets(targets.map((t) => (typeof t === 'string' ? 1 : t))));
    const [index, ...indexes] = await Promise.all([this.index(dev), ...targets.map((t, i) => this.index(t as DeviceRef, `actions[${i}].dev`))]);
    const message = filterMessage(index!, withTargets(indexes));
    await requestChange(this.connection, message, `RTM_NEWTFILTER dev ${dev} ${spec.kind}`, 'filter.add', dev);
  }

  /** Deletes the filters under `parent` (of one priority when given). */
  async deleteFilters(dev: DeviceRef, parent: HandleRef = 'ingress', priority?: number): Promise<void> {
    const message = deleteFilterMessage(1, parent, priority);
    message.body.ifindex = await this.index(dev);
    await requestChange(this.connection, message, `RTM_DELTFILTER dev ${dev} parent ${formatHandle(message.body.parent)}`, 'filter.del', dev);
  }

  /**
   * Caps what `dev` sends (`egress`: a root tbf) and receives (`ingress`: an ingress qdisc whose
   * u32 filter redirects to an ifb device shaped by a tbf), as the CNI bandwidth plugin does.
   */
  limitBandwidth(dev: DeviceRef, limits: BandwidthLimits): Promise<void> {
    return limitBandwidth(this, dev, limits);
  }

  /** The limits limitBandwidth put on `dev`. */
  bandwidth(dev: DeviceRef): Promise<BandwidthState> {
    return bandwidthOf(this, dev);
  }

  /** Removes the limits limitBandwidth put on `dev`, and its ifb device. */
  removeBandwidthLimits(dev: DeviceRef): Promise<void> {
    return removeBandwidthLimits(this, dev);
  }
}
