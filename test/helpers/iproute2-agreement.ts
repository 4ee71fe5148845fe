/**
 * What iproute2 printed (`ip -j`) restated as expectations on our decoded messages.
 * Each check is [what, ours, iproute2's]: the fixture test asserts they are equal.
 */
import type { NetlinkMessage } from '../../messages/message.js';
import { errnoName } from '../../lib/errors.js';
import type { Fixture } from './fixtures.js';
import { tcRuleChecks } from './tc-rule-agreement.js';

type Json = Record<string, unknown>;
export type Check = [what: string, ours: unknown, theirs: unknown];

const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const SCOPES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
const TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
const ROUTE_TYPES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
const PROTOCOLS: Record<number, string> = { 0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 16: 'dhcp' };
const IFF_NAMES: Array<[number, string]> = [
  [0x8, 'LOOPBACK'], [0x2, 'BROADCAST'], [0x10, 'POINTOPOINT'], [0x1000, 'MULTICAST'], [0x80, 'NOARP'],
  [0x200, 'ALLMULTI'], [0x100, 'PROMISC'], [0x400, 'MASTER'], [0x800, 'SLAVE'], [0x1, 'UP'], [0x10000, 'LOWER_UP'], [0x20000, 'DORMANT'],
];
const MACVLAN_MODES: Record<number, string> = { 1: 'private', 2: 'vepa', 4: 'bridge', 8: 'passthru', 16: 'source' };
const NUD_NAMES: Array<[number, string]> = [
  [0x01, 'INCOMPLETE'], [0x02, 'REACHABLE'], [0x04, 'STALE'], [0x08, 'DELAY'], [0x10, 'PROBE'], [0x20, 'FAILED'], [0x40, 'NOARP'], [0x80, 'PERMANENT'],
];

const list = (output: unknown): Json[] => (Array.isArray(output) ? (output as Json[]) : []);
const sorted = (xs: string[]) => [...xs].sort();

function routeDst(family: number, dst: string | undefined, dstLen: number): string {
  if (dstLen === 0) return 'default';
  const full = family === 2 ? 32 : 128;
  return dstLen === full ? dst! : `${dst}/${dstLen}`;
}

function tableName(table: number): string {
  return TABLES[table] ?? String(table);
}

function linkChecks(m: Extract<NetlinkMessage, { kind: 'link' }>, entry: Json, all: Json[], request = false): Check[] {
  const a = m.body.attrs;
  const name = (index: number | undefined) => all.find((e) => e.ifindex === index)?.ifname;
  const checks: Check[] = [[`${a.ifname} ifindex`, m.body.index, entry.ifindex]];
  const same = (field: string, ours: unknown, key: string) => {
    if (entry[key] !== undefined) checks.push([`${a.ifname} ${field}`, ours, entry[key]]);
  };
  same('ifname', a.ifname, 'ifname');
  same('mtu', a.mtu, 'mtu');
  same('address', a.address, 'address');
  same('broadcast', a.broadcast, 'broadcast');
  same('txqlen', a.txqlen, 'txqlen');
  same('qdisc', a.qdisc, 'qdisc');
  same('minMtu', a.minMtu, 'min_mtu');
  same('maxMtu', a.maxMtu, 'max_mtu');
  same('promiscuity', a.promiscuity, 'promiscuity');
  same('numTxQueues', a.numTxQueues, 'num_tx_queues');
  same('numRxQueues', a.numRxQueues, 'num_rx_queues');
  same('gsoMaxSize', a.gsoMaxSize, 'gso_max_size');
  same('gsoMaxSegs', a.gsoMaxSegs, 'gso_max_segs');
  same('groMaxSize', a.groMaxSize, 'gro_max_size');
  same('tsoMaxSize', a.tsoMaxSize, 'tso_max_size');
  if (entry.operstate !== undefined && a.operstate !== undefined) checks.push([`${a.ifname} operstate`, OPERSTATES[a.operstate], entry.operstate]);
  if (entry.master !== undefined && all.length > 1) checks.push([`${a.ifname} master`, name(a.master), entry.master]);
  if (entry.link !== undefined && all.length > 1) checks.push([`${a.ifname} link`, name(a.link), entry.link]);
  if (Array.isArray(entry.flags) && a.ifname) {
    // A request sets only the bits in its change mask.
    const relevant = IFF_NAMES.filter(([bit]) => !request || m.body.change & bit);
    const ours = relevant.filter(([bit]) => m.body.flags & bit).map(([, n]) => n);
    const names = new Set(relevant.map(([, n]) => n));
    const theirs = (entry.flags as string[]).filter((f) => names.has(f));
    checks.push([`${a.ifname} flags`, sorted(ours), sorted(theirs)]);
  }
  const info = entry.linkinfo as Json | undefined;
  if (info && a.linkinfo) {
    checks.push([`${a.ifname} kind`, a.linkinfo.kind, info.info_kind]);
    if (info.info_slave_kind !== undefined) checks.push([`${a.ifname} slave kind`, a.linkinfo.slaveKind, info.info_slave_kind]);
    checks.push(...kindDataChecks(String(a.ifname), a.linkinfo.kind, a.linkinfo.data, info.info_data as Json | undefined, all));
    const slave = info.info_slave_data as Json | undefined;
    const ours = a.linkinfo.slaveData as Json | undefined;
    if (slave && ours && !(ours instanceof Uint8Array)) {
      checks.push([`${a.ifname} port priority`, ours.priority, slave.priority]);
      checks.push([`${a.ifname} port cost`, ours.cost, slave.cost]);
      checks.push([`${a.ifname} port learning`, ours.learning === 1, slave.learning]);
      checks.push([`${a.ifname} port designated_port`, ours.designatedPort, slave.designated_port]);
    }
  }
  return checks;
}

function kindDataChecks(ifname: string, kind: string | undefined, data: unknown, theirs: Json | undefined, all: Json[]): Check[] {
  if (!theirs || !data || data instanceof Uint8Array) return [];
  const ours = data as Json;
  const checks: Check[] = [];
  const same = (field: string, value: unknown, key: string) => {
    if (theirs[key] !== undefined) checks.push([`${ifname} ${kind} ${field}`, value, theirs[key]]);
  };
  if (kind === 'vxlan') {
    same('id', ours.id, 'id');
    same('local', ours.local, 'local');
    same('group', ours.group, 'group');
    same('port', ours.port, 'port');
    same('ttl', ours.ttl, 'ttl');
    same('ageing', ours.ageing, 'ageing');
    same('learning', ours.learning === undefined ? undefined : ours.learning === 1, 'learning');
    same('udpCsum', ours.udpCsum === undefined ? undefined : ours.udpCsum === 1, 'udp_csum');
    if (theirs.link !== undefined) checks.push([`${ifname} vxlan link`, all.find((e) => e.ifindex === ours.link)?.ifname ?? theirs.link, theirs.link]);
  }
  if (kind === 'bridge') {
    same('forwardDelay', ours.forwardDelay, 'forward_delay');
    same('helloTime', ours.helloTime, 'hello_time');
    same('maxAge', ours.maxAge, 'max_age');
    same('ageingTime', ours.ageingTime, 'ageing_time');
    same('stpState', ours.stpState, 'stp_state');
    same('priority', ours.priority, 'priority');
    same('vlanFiltering', ours.vlanFiltering, 'vlan_filtering');
  }
  if (kind === 'macvlan') {
    same('mode', MACVLAN_MODES[ours.mode as number] ?? ours.mode, 'mode');
    // A request may leave the queue length to the kernel's default, which ip then prints.
    if (ours.bcQueueLen !== undefined) same('bcQueueLen', ours.bcQueueLen, 'bcqueuelen');
    if (ours.bcQueueLenUsed !== undefined) same('bcQueueLenUsed', ours.bcQueueLenUsed, 'usedbcqueuelen');
  }
  return checks;
}

function addressChecks(m: Extract<NetlinkMessage, { kind: 'address' }>, output: Json[]): Check[] {
  const b = m.body;
  const local = b.attrs.local ?? b.attrs.address;
  const entry = output.find((e) => e.ifindex === b.index);
  const addr = list(entry?.addr_info).find((x) => x.local === local && x.prefixlen === b.prefixlen);
  const what = `${local}/${b.prefixlen}`;
  if (!addr) return [[`${what} printed by ip`, true, false]];
  const checks: Check[] = [
    [`${what} family`, b.family === 2 ? 'inet' : 'inet6', addr.family],
    [`${what} scope`, SCOPES[b.scope] ?? String(b.scope), addr.scope],
  ];
  if (addr.label !== undefined) checks.push([`${what} label`, b.attrs.label, addr.label]);
  if (addr.broadcast !== undefined) checks.push([`${what} broadcast`, b.attrs.broadcast, addr.broadcast]);
  if (addr.valid_life_time === 4294967295) checks.push([`${what} valid lifetime`, b.attrs.cacheinfo?.valid, 4294967295]);
  return checks;
}

function routeChecks(m: Extract<NetlinkMessage, { kind: 'route' }>, output: Json[], request: boolean): Check[] {
  const b = m.body;
  const a = b.attrs;
  const dst = routeDst(b.family, a.dst, b.dstLen);
  const table = tableName(a.table ?? b.table);
  const type = ROUTE_TYPES[b.type] ?? String(b.type);
  // A listing filtered by table (`ip route show table 100`) omits the table: requests match by dst.
  const entry = output.find((e) => e.dst === dst && (request || ((e.table ?? 'main') === table && (e.type ?? 'unicast') === type)));
  const what = `${type} ${dst} table ${table}`;
  if (!entry) return [[`${what} printed by ip`, true, false]];
  // `ip route get` prints neither protocol nor scope.
  const checks: Check[] = [];
  if (entry.protocol !== undefined) checks.push([`${what} protocol`, PROTOCOLS[b.protocol] ?? String(b.protocol), entry.protocol]);
  if (entry.scope !== undefined) checks.push([`${what} scope`, SCOPES[b.scope] ?? String(b.scope), entry.scope]);
  if (entry.gateway !== undefined) checks.push([`${what} gateway`, a.gateway, entry.gateway]);
  if (entry.prefsrc !== undefined) checks.push([`${what} prefsrc`, a.prefsrc, entry.prefsrc]);
  if (entry.metric !== undefined) checks.push([`${what} metric`, a.priority, entry.metric]);
  const metrics = list(entry.metrics)[0];
  if (metrics?.mtu !== undefined) checks.push([`${what} mtu`, a.metrics?.mtu, metrics.mtu]);
  if (entry.nhid !== undefined) checks.push([`${what} nhid`, a.nhId, entry.nhid]);
  const hops = list(entry.nexthops);
  if (hops.length > 0) {
    checks.push([`${what} nexthop gateways`, (a.multipath ?? []).map((h) => h.attrs.gateway), hops.map((h) => h.gateway)]);
    checks.push([`${what} nexthop weights`, (a.multipath ?? []).map((h) => h.hops + 1), hops.map((h) => h.weight)]);
  }
  return checks;
}

function neighborChecks(m: Extract<NetlinkMessage, { kind: 'neighbor' }>, output: Json[]): Check[] {
  const b = m.body;
  const entry = output.find((e) => (e.dst !== undefined ? e.dst === b.attrs.dst : e.mac === b.attrs.lladdr));
  const what = `neighbour ${b.attrs.dst ?? b.attrs.lladdr}`;
  const hidden = b.state === 0x40; // NUD_NOARP entries: `ip neigh show` does not print them
  if (hidden) return [[`${what} (NUD_NOARP) left out by ip`, entry === undefined, true]];
  if (!entry) return [[`${what} printed by ip`, true, false]];
  const checks: Check[] = [];
  if (entry.lladdr !== undefined) checks.push([`${what} lladdr`, b.attrs.lladdr, entry.lladdr]);
  if (entry.mac !== undefined) checks.push([`${what} mac`, b.attrs.lladdr, entry.mac]);
  if (Array.isArray(entry.state)) checks.push([`${what} state`, NUD_NAMES.filter(([bit]) => b.state & bit).map(([, n]) => n), entry.state]);
  if (entry.dst !== undefined && entry.mac !== undefined) checks.push([`${what} fdb dst`, b.attrs.dst, entry.dst]);
  return checks;
}

function nexthopChecks(m: Extract<NetlinkMessage, { kind: 'nexthop' }>, output: Json[], request: boolean): Check[] {
  const b = m.body;
  const a = b.attrs;
  const entry = output.find((e) => e.id === a.id);
  const what = `nexthop ${a.id}`;
  if (!entry) return [[`${what} printed by ip`, true, false]];
  const checks: Check[] = [
    [`${what} gateway`, a.gateway, entry.gateway],
    [`${what} blackhole`, a.blackhole === true, 'blackhole' in entry],
    // ip prints a member's weight only when it is not 1.
    [`${what} group`, a.group?.map((g) => ({ id: g.id, weight: g.weight })), entry.group === undefined ? undefined : list(entry.group).map((g) => ({ id: g.id, weight: g.weight ?? 1 }))],
  ];
  if (!request && entry.scope !== undefined) checks.push([`${what} scope`, SCOPES[b.scope] ?? String(b.scope), entry.scope]);
  if (!request && entry.protocol !== undefined) checks.push([`${what} protocol`, PROTOCOLS[b.protocol] ?? String(b.protocol), entry.protocol]);
  return checks;
}

// RTM_DELLINK, RTM_DELADDR, RTM_DELROUTE, RTM_DELNEIGH, RTM_DELNEXTHOP
const DELETIONS = new Set([17, 21, 25, 29, 105]);

function deletionChecks(m: NetlinkMessage, output: Json[]): Check[] {
  switch (m.kind) {
    case 'link': {
      const { index } = m.body;
      const { ifname } = m.body.attrs;
      return [[`deleted link ${ifname ?? index} absent from ip output`, output.some((e) => e.ifindex === index || (ifname !== undefined && e.ifname === ifname)), false]];
    }
    case 'nexthop':
      return [[`deleted nexthop ${m.body.attrs.id} absent from ip output`, output.some((e) => e.id === m.body.attrs.id), false]];
    case 'address': {
      const local = m.body.attrs.local ?? m.body.attrs.address;
      const present = output.some((e) => e.ifindex === m.body.index && list(e.addr_info).some((x) => x.local === local && x.prefixlen === m.body.prefixlen));
      return [[`deleted address ${local}/${m.body.prefixlen} absent from ip output`, present, false]];
    }
    case 'route': {
      const dst = routeDst(m.body.family, m.body.attrs.dst, m.body.dstLen);
      const table = tableName(m.body.attrs.table ?? m.body.table);
      return [[`deleted route ${dst} table ${table} absent from ip output`, output.some((e) => e.dst === dst && (e.table ?? 'main') === table), false]];
    }
    case 'neighbor': {
      const present = output.some((e) => (e.dst !== undefined ? e.dst === m.body.attrs.dst : e.mac === m.body.attrs.lladdr));
      return [[`deleted neighbour ${m.body.attrs.dst ?? m.body.attrs.lladdr} absent from ip output`, present, false]];
    }
    default:
      return [];
  }
}

// RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH, RTM_GETRULE, RTM_GETQDISC, RTM_GETTFILTER, RTM_GETNSID, RTM_GETNEXTHOP
const READS = new Set([18, 22, 26, 30, 34, 38, 46, 90, 106]);
const TC_KINDS = new Set<string>(['rule', 'qdisc', 'filter']);

/** The link a request names: by index, else (a creation) the one link the listing shows. */
function requestedLink(m: Extract<NetlinkMessage, { kind: 'link' }>, output: Json[]): Json | undefined {
  if (m.body.index !== 0) return output.find((e) => e.ifindex === m.body.index);
  return output.length === 1 && m.body.attrs.ifname ? { ...output[0]!, ifindex: 0 } : undefined;
}

function messageChecks(fixture: Fixture, m: NetlinkMessage, output: Json[]): Check[] {
  const sent = fixture.direction === 'sent';
  if (nothingToCompare(fixture, m) !== null) return [];
  // A deletion, requested or notified (test/fixtures/notifications): the object is gone from the listing.
  if (DELETIONS.has(m.type)) return deletionChecks(m, output);
  switch (m.kind) {
    case 'link': {
      if (sent) {
        const entry = requestedLink(m, output);
        if (!entry) return [[`link ${m.body.attrs.ifname ?? m.body.index} printed by ip`, false, true]];
        return linkChecks(m, entry, output, true).filter(([what]) => m.body.index !== 0 || !what.endsWith('ifindex'));
      }
      const entry = output.find((e) => e.ifindex === m.body.index);
      return entry ? [['link printed by ip', true, true], ...linkChecks(m, entry, output)] : [[`link ${m.body.index} printed by ip`, false, true]];
    }
    case 'address':
      return addressChecks(m, output);
    case 'route':
      return routeChecks(m, output, sent);
    case 'neighbor':
      return neighborChecks(m, output);
    case 'nexthop':
      return nexthopChecks(m, output, sent);
    case 'nsid':
      if (m.body.attrs.nsid === undefined) return [];
      return [[`nsid ${m.body.attrs.nsid} printed by ip`, output.some((e) => e.nsid === m.body.attrs.nsid), true]];
    case 'error': {
      if (m.body.error === 0) return [];
      const checks: Check[] = [[`error code named in the capture`, fixture.description.includes(errnoName(-m.body.error)), true]];
      if (m.flags & 0x200) checks.push(['extended ACK text present', typeof m.body.ext?.msg, 'string']);
      return checks;
    }
    default:
      return [];
  }
}

/** Why a message has nothing in iproute2's listing to be compared with; null where it must have. */
function nothingToCompare(fixture: Fixture, m: NetlinkMessage): string | null {
  if (m.kind === 'error' && m.body.error === 0) return 'an ACK';
  if (m.kind === 'done') return 'NLMSG_DONE';
  if (fixture.direction === 'sent' && READS.has(m.type)) return 'a request that reads';
  if (fixture.ip === null && m.kind !== 'error') return 'no listing with the capture (the command failed, or a hand capture under test/fixtures/unit)';
  return null;
}

export interface Agreement {
  /** [what, ours, iproute2's] pairs: the fixture test asserts they are equal. */
  checks: Check[];
  /** Messages that gave no check although they should have: the test asserts there are none. */
  unchecked: string[];
}

/** Checks for a fixture's decoded messages against its `ip -j` output. */
export function agreement(fixture: Fixture, messages: NetlinkMessage[]): Agreement {
  const output = list(fixture.ip?.output);
  const checks: Check[] = [];
  const unchecked: string[] = [];
  // Rules, qdiscs and filters are compared as a list (test/helpers/tc-rule-agreement.ts).
  const sentFilter = (list: Check[]) => (fixture.direction === 'sent' ? list.filter(([, ours]) => ours !== undefined) : list);
  const tc = sentFilter(tcRuleChecks(messages, output, fixture.direction));
  const tcObjects = messages.filter((m) => TC_KINDS.has(m.kind) && nothingToCompare(fixture, m) === null);
  if (tcObjects.length > 0 && tc.length === 0) unchecked.push(`${tcObjects.length} rule/qdisc/filter messages gave no check`);
  checks.push(...tc);
  messages.forEach((m, i) => {
    if (TC_KINDS.has(m.kind)) return;
    let mine = messageChecks(fixture, m, output);
    // A request states only what it changes: iproute2's other fields are the kernel's defaults.
    if (fixture.direction === 'sent') mine = mine.filter(([, ours]) => ours !== undefined);
    if (mine.length === 0 && nothingToCompare(fixture, m) === null) unchecked.push(`message ${i} (${m.kind}, type ${m.type}) gave no check`);
    checks.push(...mine);
  });
  return { checks, unchecked };
}
