import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELQDISC, RTM_NEWQDISC } from '../../messages/constants.js';
import type { QdiscMessage } from '../../messages/message.js';
import { TC_H_INGRESS, TC_H_ROOT, tcHandle } from '../../messages/tc/header.js';
import { TC_LINKLAYER_ETHERNET, type TbfOptions } from '../../messages/tc/kinds/tbf.js';
import type { QdiscAttrs, QdiscBody } from '../../messages/tc/index.js';
import { isIntegerIn } from '../../messages/checks.js';
import { checkInteger, InvalidArgumentError } from '../validate.js';
import { formatHandle, parseHandle, parseRate, type HandleRef } from './units.js';

// Queueing disciplines as `tc qdisc` takes and shows them: tbf, ingress and clsact.

/** The kernel's scheduler clock: a tick is 64 ns (PSCHED_SHIFT 6). */
const NS_PER_TICK = 64;
const U32_MAX = 0xffffffff;
/** How long a packet may wait in a tbf queue when no limit is given (the CNI bandwidth plugin's 25 ms). */
const DEFAULT_LATENCY_MS = 25;

/** A token bucket (`tc qdisc add dev DEV root tbf rate R burst B latency L`). */
export interface TbfSpec {
  kind: 'tbf';
  /** Bits per second, or text like '10mbit'. */
  rate: number | string;
  /** Bucket size in bytes: how much may be sent at once above the rate. Default: 5 ms of `rate`, at least 16 KiB. */
  burst?: number;
  /** Bytes that may wait; default: what `latencyMs` of waiting at `rate` holds, plus the burst. */
  limit?: number;
  latencyMs?: number;
}

/** The ingress qdisc (`tc qdisc add dev DEV ingress`): where ingress filters hang (parent ffff:). */
export interface IngressSpec {
  kind: 'ingress' | 'clsact';
}

/** A qdisc to add: its kind's settings, where it goes (`parent`) and its `handle`. */
export type QdiscSpec = (TbfSpec | IngressSpec) & {
  /** Defaults: 'root' for tbf, 'ingress' for ingress and clsact. */
  parent?: HandleRef;
  /** Defaults: chosen by the kernel for tbf, 'ffff:' for ingress and clsact. */
  handle?: HandleRef;
};

/** A qdisc as the kernel reports it. */
export interface Qdisc {
  /** The device's index. */
  dev: number;
  kind: string;
  /** '1:', 'ffff:' ... */
  handle: string;
  /** 'root', 'ingress' or a class handle. */
  parent: string;
  /** tbf: the rate in bits per second. */
  rate?: number;
  /** tbf: the bucket size in bytes (from the buffer time the kernel keeps). */
  burst?: number;
  /** tbf: bytes that may wait. */
  limit?: number;
  /** Bytes and packets sent, packets dropped, times the rate held a packet back. */
  stats?: { bytes: bigint; packets: number; drops: number; overlimits: number };
  raw: QdiscBody;
}

function positive(value: unknown, field: string, what: string): number {
  if (!isIntegerIn(value, 1, U32_MAX)) {
    throw new InvalidArgumentError(field, value, `is not ${what}: a whole number from 1 to ${U32_MAX}`);
  }
  return value;
}

function tbfOptions(spec: TbfSpec): TbfOptions {
  const bytesPerSecond = parseRate(spec.rate, 'rate') / 8;
  const burst = spec.burst === undefined ? Math.max(16384, Math.ceil(bytesPerSecond * 0.005)) : positive(spec.burst, 'burst', 'a burst in bytes');
  if (spec.limit !== undefined && spec.latencyMs !== undefined) throw new InvalidArgumentError('latencyMs', spec.latencyMs, 'cannot be given with limit: give one of them');
  const latency = spec.latencyMs === undefined ? DEFAULT_LATENCY_MS : spec.latencyMs;
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency <= 0) throw new InvalidArgumentError('latencyMs', latency, 'is not a positive number of milliseconds');
  const limit = spec.limit !== undefined ? positive(spec.limit, 'limit', 'a queue limit in bytes') : Math.min(U32_MAX, Math.ceil((bytesPerSecond * latency) / 1000) + burst);
  const rate = Math.round(bytesPerSecond);
  const ticks = Math.min(U32_MAX, Math.round((burst * 1e9) / bytesPerSecond / NS_PER_TICK));
  const ratespec = { cellLog: 0, linklayer: TC_LINKLAYER_ETHERNET, overhead: 0, cellAlign: 0, mpu: 0, rate: Math.min(rate, U32_MAX) };
  const none = { cellLog: 0, linklayer: 0, overhead: 0, cellAlign: 0, mpu: 0, rate: 0 };
  // The kernel derives the buffer time from TCA_TBF_BURST; `buffer` says the same in ticks for readers.
  const options: TbfOptions = { parms: { rate: ratespec, peakrate: none, limit, buffer: ticks, mtu: 0 }, burst };
  if (rate > U32_MAX) options.rate64 = BigInt(rate);
  return options;
}

/** RTM_NEWQDISC adding (or with `replace`, replacing) a qdisc on the device with index `ifindex`. */
export function qdiscMessage(kind: 'add' | 'replace', ifindex: number, spec: QdiscSpec): QdiscMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('qdisc', spec, 'is not a qdisc object');
  let attrs: QdiscAttrs;
  let parent: number;
  let handle: number;
  if (spec.kind === 'tbf') {
    attrs = { kind: 'tbf', options: tbfOptions(spec) };
    parent = spec.parent === undefined ? TC_H_ROOT : parseHandle(spec.parent, 'parent');
    handle = spec.handle === undefined ? 0 : parseHandle(spec.handle, 'handle');
  } else if (spec.kind === 'ingress' || spec.kind === 'clsact') {
    attrs = { kind: spec.kind };
    parent = spec.parent === undefined ? TC_H_INGRESS : parseHandle(spec.parent, 'parent');
    handle = spec.handle === undefined ? tcHandle(0xffff, 0) : parseHandle(spec.handle, 'handle');
    if (parent !== TC_H_INGRESS) throw new InvalidArgumentError('parent', spec.parent, `is not where an ${spec.kind} qdisc goes: leave it out (it is 'ingress')`);
  } else {
    throw new InvalidArgumentError('kind', (spec as { kind?: unknown }).kind, "is not a qdisc kind this library builds: 'tbf', 'ingress' or 'clsact'");
  }
  return {
    kind: 'qdisc',
    type: RTM_NEWQDISC,
    flags: kind === 'add' ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE | NLM_F_REPLACE,
    seq: 0,
    pid: 0,
    body: { family: AF_UNSPEC, ifindex: checkInteger(ifindex, 'dev', 1, 0x7fffffff), handle, parent, info: 0, attrs },
  };
}

/** RTM_DELQDISC of the qdisc at `parent` ('root' or 'ingress') of a device. */
export function deleteQdiscMessage(ifindex: number, parent: HandleRef, handle?: HandleRef): QdiscMessage {
  return {
    kind: 'qdisc',
    type: RTM_DELQDISC,
    flags: 0,
    seq: 0,
    pid: 0,
    body: {
      family: AF_UNSPEC,
      ifindex: checkInteger(ifindex, 'dev', 1, 0x7fffffff),
      handle: handle === undefined ? 0 : parseHandle(handle, 'handle'),
      parent: parseHandle(parent, 'parent'),
      info: 0,
      attrs: {},
    },
  };
}

export function toQdisc(raw: QdiscBody): Qdisc {
  const a = raw.attrs;
  const qdisc: Qdisc = { dev: raw.ifindex, kind: a.kind ?? '', handle: formatHandle(raw.handle), parent: formatHandle(raw.parent), raw };
  if (a.kind === 'tbf' && a.options && !(a.options instanceof Uint8Array) && a.options.parms) {
    const parms = a.options.parms;
    const bytesPerSecond = Number(a.options.rate64 ?? BigInt(parms.rate.rate));
    qdisc.rate = bytesPerSecond * 8;
    qdisc.burst = Math.round((bytesPerSecond * parms.buffer * NS_PER_TICK) / 1e9);
    qdisc.limit = parms.limit;
  }
  const basic = a.stats2?.basic;
  const queue = a.stats2?.queue;
  if (basic && queue) qdisc.stats = { bytes: basic.bytes, packets: basic.packets, drops: queue.drops, overlimits: queue.overlimits };
  return qdisc;
}
