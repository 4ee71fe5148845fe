import { afterEach, describe, expect, it } from 'vitest';
import { Namespace } from '../../lib/namespace.js';
import { VethPair } from '../../lib/veth.js';
import type { Monitor, MonitorEvent } from '../../lib/monitor/index.js';
import type { Route } from '../../lib/rtnl/routes.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`monitor-events: ${integrationSkipReason}`);

const P = `it-mon-${process.pid}-`;
const opened: Namespace[] = [];
const monitors: Monitor[] = [];

async function namespace(name: string): Promise<Namespace> {
  const ns = await Namespace.create(`${P}${name}`);
  opened.push(ns);
  ns.sysctl('net.ipv6.conf.all.accept_dad', 0);
  ns.sysctl('net.ipv6.conf.default.accept_dad', 0);
  return ns;
}

afterEach(async () => {
  for (const m of monitors.splice(0)) m.close();
  for (const ns of opened.splice(0)) await ns.delete().catch(() => ns.close());
});

/** Reads events with a deadline, keeping the one pending next() across timeouts. */
function reader(monitor: Monitor) {
  monitors.push(monitor);
  let pending: Promise<IteratorResult<MonitorEvent, undefined>> | undefined;
  return async function read(timeoutMs = 5000): Promise<MonitorEvent | undefined> {
    pending ??= monitor.next();
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([pending, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (result === 'timeout') return undefined;
    pending = undefined;
    if (result.done) throw new Error('monitor ended');
    return result.value;
  };
}

function describeEvent(ev: MonitorEvent): string {
  switch (ev.kind) {
    case 'link':
      return `link ${ev.action} ${ev.link.name}${ev.link.up ? ' up' : ''}`;
    case 'address':
      return `address ${ev.action} ${ev.address.cidr}`;
    case 'route':
      return `route ${ev.action} ${ev.route.dst} table ${ev.route.table}`;
    case 'neighbor':
      return `neighbor ${ev.action} ${ev.neighbor.dst ?? ev.neighbor.lladdr}`;
    case 'nsid':
      return `nsid ${ev.action} ${ev.nsid}`;
    default:
      return ev.kind;
  }
}

// IPv6 keeps one route per device for the same prefix and metric (fe80::/64 on every link).
const routeKey = (r: Route) => `${r.family} ${String(r.table)} ${r.dst} ${r.metric ?? 0}${r.family === 6 && !r.nexthops ? ` dev ${r.raw.attrs.oif}` : ''}`;

describe.skipIf(!canRunIntegration)('ns.monitor (real kernel)', () => {
  it('yields changes made through the library, in order', async () => {
    const ns = await namespace('order');
    const read = reader(ns.monitor({ groups: ['link', 'ipv4-ifaddr', 'ipv4-route', 'neigh'] }));

    await VethPair.create({ name: 'va', namespace: ns, peer: { name: 'vb' } });
    await ns.rtnl.setLink('va', { up: true });
    await ns.rtnl.setLink('vb', { up: true });
    await ns.addAddress('va', '10.9.0.1/24');
    await ns.addRoute({ dst: '10.10.0.0/24', via: '10.9.0.2' });
    await ns.addNeighbor({ dst: '10.9.0.7', lladdr: '02:00:00:00:00:07', dev: 'va' });
    await ns.deleteNeighbor({ dst: '10.9.0.7', dev: 'va' });
    await ns.deleteRoute({ dst: '10.10.0.0/24', via: '10.9.0.2' });
    await ns.rtnl.deleteLink('va');

    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      const ev = await read();
      if (!ev) break;
      seen.push(describeEvent(ev));
      if (seen.at(-1) === 'link del va') break;
    }
    const wanted = [
      'link new va',
      'link new va up',
      'address new 10.9.0.1/24',
      'route new 10.10.0.0/24 table main',
      'neighbor new 10.9.0.7',
      'neighbor del 10.9.0.7',
      'route del 10.10.0.0/24 table main',
      'link del va',
    ];
    // In order, possibly with other events (vb, operstate changes, local routes) in between.
    let at = 0;
    for (const line of seen) if (line === wanted[at]) at++;
    expect({ matched: wanted.slice(0, at), seen }).toEqual({ matched: wanted, seen });
  });

  it('replays the current state, then follows, matching fresh dumps', async () => {
    const ns = await namespace('replay');
    // No IPv6 link-local addresses: the kernel adds them on its own a moment after a link goes up,
    // which a fresh dump taken right after 'synced' may or may not show yet.
    ns.sysctl('net.ipv6.conf.default.addr_gen_mode', '1');
    await VethPair.create({ name: 'ra', namespace: ns, peer: { name: 'rb' }, up: true });
    await ns.rtnl.setLink('rb', { up: true });
    await ns.addAddress('ra', '10.20.0.1/24');
    await ns.addAddress('ra', 'fd20::1/64', { noDad: true });
    await ns.addRoute({ dst: '10.21.0.0/24', via: '10.20.0.2' });
    await ns.addNeighbor({ dst: '10.20.0.9', lladdr: '02:00:00:00:00:09', dev: 'ra' });
    // The kernel adds an IPv6 address's local route from a work queue, a moment after the address:
    // let it, so that the state replayed below is not still changing on its own.
    for (let i = 0; i < 200 && !(await ns.routes({ family: 6, table: 'local' })).some((r) => r.dst === 'fd20::1/128'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }

    const monitor = ns.monitor({ groups: ['link', 'ipv4-ifaddr', 'ipv6-ifaddr', 'ipv4-route', 'ipv6-route', 'neigh'], replay: true });
    const read = reader(monitor);
    const links = new Map<number, string>();
    const addresses = new Set<string>();
    const routes = new Map<string, Route>();
    const apply = (ev: MonitorEvent) => {
      if (ev.kind === 'link') ev.action === 'new' ? links.set(ev.link.index, ev.link.name) : links.delete(ev.link.index);
      if (ev.kind === 'address') ev.action === 'new' ? addresses.add(`${ev.address.dev} ${ev.address.cidr}`) : addresses.delete(`${ev.address.dev} ${ev.address.cidr}`);
      if (ev.kind === 'route') ev.action === 'new' ? routes.set(routeKey(ev.route), ev.route) : routes.delete(routeKey(ev.route));
    };
    const untilSynced = async () => {
      for (let i = 0; i < 100_000; i++) {
        const ev = await read();
        if (!ev) throw new Error('no synced event');
        if (ev.kind === 'synced') return;
        apply(ev);
      }
    };
    /** Applies events until none arrives for `quietMs`. */
    const settle = async (quietMs = 300) => {
      for (let i = 0; i < 100_000; i++) {
        const ev = await read(quietMs);
        if (!ev) return;
        apply(ev);
      }
    };
    const compare = async () => {
      expect([...links.values()].sort()).toEqual((await ns.links()).map((l) => l.name).sort());
      expect([...addresses].sort()).toEqual((await ns.addresses()).map((a) => `${a.dev} ${a.cidr}`).sort());
      const fresh = [...(await ns.routes({ family: 4, table: 'all' })), ...(await ns.routes({ family: 6, table: 'all' }))].filter((r) => !(r.raw.flags & 0x200));
      expect([...routes.keys()].sort()).toEqual(fresh.map(routeKey).sort());
    };

    await untilSynced();
    expect([...links.values()].sort()).toEqual(['lo', 'ra', 'rb']);
    await compare();

    // Changes while following, including ones the kernel makes silently (IPv4 routes of a link going down).
    await ns.addAddress('rb', '10.22.0.1/24');
    await ns.addRoute({ dst: '10.23.0.0/24', via: '10.22.0.2', metric: 7 });
    await ns.rtnl.setLink('rb', { mtu: 1400 });
    await ns.rtnl.setLink('rb', { up: false });
    await VethPair.create({ name: 'rc', namespace: ns, peer: { name: 'rd' }, up: true });
    await ns.rtnl.deleteLink('ra');
    await settle();
    await compare();
  });

  it('gives its socket a 1 MiB receive buffer unless told otherwise (the kernel doubles what is asked)', async () => {
    const ns = await namespace('rcvbuf');
    const byDefault = ns.monitor({ groups: ['link'] });
    const asked = ns.monitor({ groups: ['link'], receiveBufferBytes: 64 * 1024 });
    monitors.push(byDefault, asked);
    expect(byDefault.receiveBufferBytes).toBe(2 * 1024 * 1024);
    expect(asked.receiveBufferBytes).toBe(2 * 64 * 1024);
    byDefault.close();
    expect(byDefault.receiveBufferBytes).toBeUndefined();
  });

  it('reports an overrun when thousands of routes are added while nobody reads', async () => {
    const ns = await namespace('overrun');
    const monitor = ns.monitor({ groups: ['ipv4-route'], receiveBufferBytes: 16 * 1024 });
    const read = reader(monitor);
    const specs = Array.from({ length: 20_000 }, (_, i) => ({ dst: `10.${64 + (i >> 8)}.${i & 255}.0/24`, type: 'blackhole' as const }));
    const results = await ns.addRoutes(specs);
    expect(results.filter(Boolean)).toEqual([]);
    let overruns = 0;
    let routes = 0;
    for (let i = 0; i < 40_000; i++) {
      const ev = await read(500);
      if (!ev) break;
      if (ev.kind === 'overrun') overruns++;
      if (ev.kind === 'route') routes++;
    }
    expect(overruns).toBeGreaterThan(0);
    expect(routes).toBeLessThan(20_000);
  });

  it('recovers from an overrun in replay mode: the state it ends with equals a fresh dump', async () => {
    const ns = await namespace('resync');
    await ns.addRoute({ dst: '10.30.0.0/24', type: 'blackhole' });
    const monitor = ns.monitor({ groups: ['ipv4-route'], replay: true, receiveBufferBytes: 16 * 1024 });
    const read = reader(monitor);
    const routes = new Map<string, Route>();
    const kinds: string[] = [];
    const apply = (ev: MonitorEvent) => {
      if (kinds.at(-1) !== ev.kind) kinds.push(ev.kind);
      if (ev.kind === 'route') ev.action === 'new' ? routes.set(routeKey(ev.route), ev.route) : routes.delete(routeKey(ev.route));
    };
    for (let i = 0; i < 1000; i++) {
      const ev = await read();
      if (!ev) throw new Error('no synced event');
      apply(ev);
      if (ev.kind === 'synced') break;
    }
    expect(routes.has('4 main 10.30.0.0/24 0')).toBe(true);

    const specs = Array.from({ length: 20_000 }, (_, i) => ({ dst: `10.${64 + (i >> 8)}.${i & 255}.0/24`, type: 'blackhole' as const }));
    expect((await ns.addRoutes(specs)).filter(Boolean)).toEqual([]);
    await ns.deleteRoute({ dst: '10.30.0.0/24', type: 'blackhole' });

    for (let i = 0; i < 200_000; i++) {
      const ev = await read(1000);
      if (!ev) break;
      apply(ev);
    }
    expect(kinds).toContain('resync');
    // The resync ends in 'synced'; changes made after it (the delete) may follow as route events.
    expect(kinds.lastIndexOf('synced')).toBeGreaterThan(kinds.lastIndexOf('resync'));
    const fresh = (await ns.routes({ family: 4, table: 'all' })).map(routeKey).sort();
    expect(fresh.length).toBe(20_000);
    expect([...routes.keys()].sort()).toEqual(fresh);
  });

  it('ends on break and on abort, releasing its socket', async () => {
    const ns = await namespace('end');
    const monitor = ns.monitor({ groups: ['link'] });
    monitors.push(monitor);
    await VethPair.create({ name: 'ea', namespace: ns, peer: { name: 'eb' } });
    for await (const ev of monitor) {
      expect(ev.kind).toBe('link');
      break;
    }
    expect(monitor.closed).toBe(true);

    const controller = new AbortController();
    const aborted = ns.monitor({ groups: ['link'], signal: controller.signal });
    monitors.push(aborted);
    const loop = (async () => {
      let n = 0;
      for await (const _ev of aborted) n++;
      return n;
    })();
    setTimeout(() => controller.abort(), 50);
    expect(await loop).toBe(0);
    expect(aborted.closed).toBe(true);
  });
});
