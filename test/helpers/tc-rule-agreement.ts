/**
 * What `ip -j rule` and `tc -j` printed, restated as expectations on our decoded rule, qdisc and
 * filter messages (used by iproute2-agreement.ts). Each check is [what, ours, iproute2's].
 */
import type { NetlinkMessage } from '../../messages/message.js';
import type { Check } from './iproute2-agreement.js';

type Json = Record<string, unknown>;
type RuleMessage = Extract<NetlinkMessage, { kind: 'rule' }>;
type QdiscMessage = Extract<NetlinkMessage, { kind: 'qdisc' }>;
type FilterMessage = Extract<NetlinkMessage, { kind: 'filter' }>;

const TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
const RULE_ACTIONS: Record<number, string> = { 2: 'goto', 3: 'nop', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit' };
const IP_PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp' };
/** tcm_info's low 16 bits hold the ethertype in network byte order. */
const ETHERTYPES: Record<number, string> = { 0x0300: 'all', 0x0008: 'ip', 0xdd86: 'ipv6' };
const CONTROL_ACTIONS: Record<number, string> = { 0: 'pass', 1: 'reclassify', 2: 'drop', 3: 'pipe', 4: 'stolen' };
const TC_H_ROOT = 0xffffffff;
/**
 * tc's tick_in_usec: /proc/net/psched gives NSEC_PER_USEC and PSCHED_TICKS2NS(1), 1000 and 64
 * (a scheduler tick is 64 ns), and a clock resolution of 1000000, so a microsecond is 15.625 ticks.
 */
const TICKS_PER_USEC = 1000 / 64;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** How tc prints a qdisc handle or parent: "1:", "ffff:fff1". */
function tcHandle(h: number): string {
  const minor = h & 0xffff;
  return `${(h >>> 16).toString(16)}:${minor ? minor.toString(16) : ''}`;
}

/** How tc prints a u32 filter handle: hash table id, bucket, node ("800::800"). */
function u32Handle(h: number): string {
  const htid = (h >>> 20) & 0xfff;
  const hash = (h >>> 12) & 0xff;
  const node = h & 0xfff;
  let text = htid ? `${htid.toString(16)}:` : '';
  if (hash) text += hash.toString(16);
  if (node) text += `:${node.toString(16)}`;
  return text;
}

function ruleChecks(m: RuleMessage, entry: Json): Check[] {
  const b = m.body;
  const a = b.attrs;
  const what = `rule ${a.priority ?? '?'}`;
  const checks: Check[] = [[`${what} priority`, a.priority ?? 0, entry.priority]];
  const same = (field: string, ours: unknown, key: string) => checks.push([`${what} ${field}`, ours, entry[key]]);
  same('src', b.srcLen === 0 && a.src === undefined ? 'all' : a.src, 'src');
  if (b.srcLen) same('srclen', b.srcLen, 'srclen');
  same('dst', a.dst, 'dst');
  if (b.dstLen) same('dstlen', b.dstLen, 'dstlen');
  same('iif', a.iifname, 'iif');
  same('oif', a.oifname, 'oif');
  same('fwmark', a.fwmark === undefined ? undefined : hex(a.fwmark), 'fwmark');
  same('fwmask', a.fwmask === undefined || a.fwmask === 0xffffffff ? undefined : hex(a.fwmask), 'fwmask');
  same('not', b.flags & 2 ? null : undefined, 'not');
  same('ipproto', a.ipProto === undefined ? undefined : IP_PROTOCOLS[a.ipProto], 'ipproto');
  same('dport_start', a.dportRange?.start, 'dport_start');
  same('dport_end', a.dportRange?.end, 'dport_end');
  same('sport_start', a.sportRange?.start, 'sport_start');
  same('sport_end', a.sportRange?.end, 'sport_end');
  same('uid_start', a.uidRange?.start, 'uid_start');
  same('uid_end', a.uidRange?.end, 'uid_end');
  if (b.action === 1) {
    const table = a.table ?? b.table;
    same('table', TABLES[table] ?? String(table), 'table');
  } else {
    same('action', RULE_ACTIONS[b.action], 'action');
  }
  return checks;
}

function qdiscChecks(m: QdiscMessage, entry: Json, request: boolean): Check[] {
  const b = m.body;
  const a = b.attrs;
  const what = `qdisc ${a.kind} ${tcHandle(b.handle)}`;
  const checks: Check[] = [[`${what} kind`, a.kind, entry.kind]];
  if (!request || b.handle !== 0) checks.push([`${what} handle`, tcHandle(b.handle), entry.handle]);
  if (b.parent === TC_H_ROOT) checks.push([`${what} root`, true, entry.root]);
  else checks.push([`${what} parent`, tcHandle(b.parent), entry.parent]);
  if (!request) {
    checks.push([`${what} refcnt (tcm_info)`, b.info, entry.refcnt ?? b.info]);
    const basic = a.stats2?.basic;
    const queue = a.stats2?.queue;
    checks.push([`${what} bytes`, basic === undefined ? undefined : Number(basic.bytes), entry.bytes]);
    checks.push([`${what} packets`, basic?.packets, entry.packets]);
    checks.push([`${what} drops`, queue?.drops, entry.drops]);
    checks.push([`${what} overlimits`, queue?.overlimits, entry.overlimits]);
    checks.push([`${what} requeues`, queue?.requeues, entry.requeues]);
    checks.push([`${what} backlog`, queue?.backlog, entry.backlog]);
    checks.push([`${what} qlen`, queue?.qlen, entry.qlen]);
  }
  const options = entry.options as Json | undefined;
  if (a.kind === 'tbf' && a.options && !(a.options instanceof Uint8Array) && options) {
    const parms = a.options.parms;
    const rate = a.options.rate64 ?? (parms ? BigInt(parms.rate.rate) : undefined);
    checks.push([`${what} rate`, rate === undefined ? undefined : Number(rate), options.rate]);
    if (parms && rate !== undefined) {
      // Given TCA_TBF_BURST, the kernel keeps the time `burst` bytes take at the rate (in ns, shown
      // in 64 ns ticks) instead of the buffer sent. tc prints the bucket and the queue as sizes and
      // times again, each truncated the way tc_core_tick2time and tc_calc_xmitsize do (u32 results).
      const burst = a.options.burst;
      const buffer = burst === undefined ? parms.buffer : Math.trunc(Math.trunc((burst * 1e9) / Number(rate)) / 64);
      const bufferUsec = Math.trunc(buffer / TICKS_PER_USEC);
      checks.push([`${what} burst (buffer ${buffer} ticks)`, Math.trunc((Number(rate) * bufferUsec) / 1e6), options.burst]);
      const latency = (1e6 * parms.limit) / Number(rate) - bufferUsec;
      checks.push([`${what} lat (limit ${parms.limit} bytes)`, latency >= 0 ? Math.trunc(latency) : undefined, options.lat]);
    }
  }
  if ((a.kind === 'ingress' || a.kind === 'clsact') && !request) checks.push([`${what} options`, a.options, options]);
  return checks;
}

function filterChecks(m: FilterMessage, entry: Json, request: boolean): Check[] {
  const b = m.body;
  const a = b.attrs;
  const what = `filter ${a.kind} ${hex(b.handle)}`;
  const checks: Check[] = [
    [`${what} kind`, a.kind, entry.kind],
    [`${what} protocol`, ETHERTYPES[b.info & 0xffff], entry.protocol],
  ];
  if (!request || b.info >>> 16) checks.push([`${what} pref`, b.info >>> 16, entry.pref]);
  if (!request) checks.push([`${what} chain`, a.chain, entry.chain]);
  const options = entry.options as Json | undefined;
  if (a.kind !== 'u32' || !a.options || a.options instanceof Uint8Array || !options) return checks;
  const o = a.options;
  if (!request) checks.push([`${what} fh`, u32Handle(b.handle), options.fh]);
  if (o.divisor !== undefined) checks.push([`${what} ht_divisor`, o.divisor, options.ht_divisor]);
  if (o.classid !== undefined) checks.push([`${what} flowid`, tcHandle(o.classid), options.flowid]);
  if (o.flags !== undefined) checks.push([`${what} not_in_hw`, (o.flags & 8) !== 0, options.not_in_hw === true]);
  const match = options.match as Json | undefined;
  const key = o.sel?.keys[0];
  if (match && key) {
    checks.push([`${what} match value`, key.val.toString(16), match.value]);
    checks.push([`${what} match mask`, key.mask.toString(16), match.mask]);
    checks.push([`${what} match off`, key.off, match.off]);
  }
  const theirs = (options.actions as Json[] | undefined) ?? [];
  if (o.actions || theirs.length) {
    checks.push([`${what} action kinds`, (o.actions ?? []).map((x) => x.kind), theirs.map((x) => x.kind)]);
    (o.actions ?? []).forEach((action, i) => {
      const t = theirs[i] ?? {};
      checks.push([`${what} action ${i + 1} order`, action.order, t.order]);
      const mirred = action.kind === 'mirred' && !(action.options instanceof Uint8Array) ? action.options : undefined;
      if (!mirred?.parms) return;
      const p = mirred.parms;
      checks.push([`${what} mirred action`, p.eaction === 1 || p.eaction === 3 ? 'redirect' : 'mirror', t.mirred_action]);
      checks.push([`${what} mirred direction`, p.eaction <= 2 ? 'egress' : 'ingress', t.direction]);
      checks.push([`${what} mirred control`, CONTROL_ACTIONS[p.action], (t.control_action as Json | undefined)?.type]);
      if (!request) {
        checks.push([`${what} mirred index`, p.index, t.index]);
        checks.push([`${what} mirred ref`, p.refcnt, t.ref]);
        checks.push([`${what} mirred bind`, p.bindcnt, t.bind]);
      }
    });
  }
  return checks;
}

/** The listing entry of a message: by position in a whole dump, else by its identifying fields. */
function entryFor(m: RuleMessage | QdiscMessage | FilterMessage, index: number, objects: number, output: Json[], request: boolean): Json | undefined {
  if (!request && objects === output.length) return output[index];
  if (m.kind === 'rule') return output.find((e) => e.priority === (m.body.attrs.priority ?? 0));
  if (m.kind === 'qdisc') {
    return output.find((e) => e.kind === m.body.attrs.kind && (m.body.handle === 0 || e.handle === tcHandle(m.body.handle)));
  }
  // A new u32 filter shows up as its key node (the entry with a match), whatever handle was asked for.
  return output.find((e) => e.kind === m.body.attrs.kind && (request ? (e.options as Json | undefined)?.match !== undefined : (e.options as Json | undefined)?.fh === u32Handle(m.body.handle)));
}

const DELETIONS = new Set([33, 37, 45]);

/** Checks for the rule, qdisc and filter messages of a fixture against what ip/tc printed. */
export function tcRuleChecks(messages: NetlinkMessage[], output: Json[], direction: 'sent' | 'received'): Check[] {
  const request = direction === 'sent';
  const objects = messages.filter((m): m is RuleMessage | QdiscMessage | FilterMessage => m.kind === 'rule' || m.kind === 'qdisc' || m.kind === 'filter');
  const checks: Check[] = [];
  objects.forEach((m, i) => {
    const get = m.type === 34 || m.type === 38 || m.type === 46;
    if (get) return;
    if (DELETIONS.has(m.type)) {
      const gone = m.kind === 'rule' ? !output.some((e) => e.priority === m.body.attrs.priority) : !output.some((e) => m.body.parent === TC_H_ROOT ? e.root === true && e.kind !== 'noqueue' : e.kind !== undefined);
      checks.push([`deleted ${m.kind} absent from the listing`, gone, true]);
      return;
    }
    const entry = entryFor(m, i, objects.length, output, request);
    if (!entry) {
      checks.push([`${m.kind} ${i} printed by ip/tc`, false, true]);
      return;
    }
    if (m.kind === 'rule') checks.push(...ruleChecks(m, entry));
    else if (m.kind === 'qdisc') checks.push(...qdiscChecks(m, entry, request));
    else checks.push(...filterChecks(m, entry, request));
  });
  return checks;
}
