import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, NetlinkError, VethPair, type RouteSpec } from '../../lib/index.js';
import { ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

// Concurrency and load (issue 7): many requests in flight on one socket, each settled by its own
// ACK; a batch whose bad entries are reported by index; two Namespace objects for one namespace.

if (integrationSkipReason !== undefined) console.log(`concurrency-load: ${integrationSkipReason}`);

const P = 'it-cc-';
const NAME = `${P}load`;

const routeCount = (ns: Namespace, prefix: string): number =>
  (ipJson(ns, ['-4', 'route', 'show', 'table', 'main']) as Json[]).filter((r) => String(r.dst).startsWith(prefix)).length;

describe.skipIf(!canRunIntegration)('concurrency and load', () => {
  let ns: Namespace;
  let index: number;

  beforeAll(async () => {
    ns = await Namespace.create(NAME);
    await VethPair.create({ name: 'c0', namespace: ns, up: true, peer: { name: 'c1', up: true } });
    await ns.addAddress('c0', '10.0.0.1/24');
    index = (await ns.link('c0')).index;
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('2,000 route adds in flight at once on one socket each settle with their own ACK', async () => {
    // 20 of them duplicate a route added beforehand: exactly those fail, each with its own EEXIST.
    const dst = (i: number) => `10.100.${i >> 8}.${i & 255}/32`;
    const duplicates = new Set(Array.from({ length: 20 }, (_, k) => 37 + k * 97));
    for (const i of duplicates) await ns.addRoute({ dst: dst(i), dev: index, metric: 0 });
    const t0 = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 2000 }, (_, i) => ns.addRoute({ dst: dst(i), dev: index, metric: 0 })));
    const ms = performance.now() - t0;
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(failed).toEqual([...duplicates].sort((a, b) => a - b));
    for (const i of failed) {
      const reason = (results[i] as PromiseRejectedResult).reason as NetlinkError;
      expect(reason).toBeInstanceOf(NetlinkError);
      expect(reason.code).toBe('EEXIST');
      expect(reason.operation).toContain(`RTM_NEWROUTE ${dst(i)}`);
    }
    expect(routeCount(ns, '10.100.')).toBe(2000);
    console.log(`concurrency: 2,000 route adds in flight on one socket settled in ${Math.round(ms)} ms (${Math.round(2000 / (ms / 1000))}/s)`);
  });

  it('a batch of 10,000 with 10 bad entries reports exactly those 10, by index', async () => {
    const specs: RouteSpec[] = Array.from({ length: 10_000 }, (_, i) => ({ dst: `10.101.${i >> 8}.${i & 255}/32`, dev: index }));
    // 5 duplicates of routes that exist (EEXIST) and 5 via a gateway no link covers (ENETUNREACH).
    const bad = new Map<number, string>();
    for (let k = 0; k < 5; k++) {
      const i = 100 + k * 1999;
      specs[i] = { dst: `10.100.0.${k + 1}/32`, dev: index, metric: 0 };
      bad.set(i, 'EEXIST');
    }
    for (let k = 0; k < 5; k++) {
      const i = 1234 + k * 1717;
      specs[i] = { dst: `10.102.0.${k}/32`, via: '192.168.250.1' };
      bad.set(i, 'ENETUNREACH');
    }
    const t0 = performance.now();
    const results = await ns.addRoutes(specs);
    const ms = performance.now() - t0;
    expect(results.length).toBe(10_000);
    const failures = new Map(results.flatMap((e, i) => (e === undefined ? [] : [[i, e] as const])));
    expect([...failures.keys()].sort((a, b) => a - b)).toEqual([...bad.keys()].sort((a, b) => a - b));
    for (const [i, error] of failures) {
      expect(error).toBeInstanceOf(NetlinkError);
      expect((error as NetlinkError).code).toBe(bad.get(i));
    }
    expect(routeCount(ns, '10.101.')).toBe(10_000 - 10);
    expect(routeCount(ns, '10.102.')).toBe(0);
    console.log(`concurrency: batch of 10,000 routes (10 bad) in ${Math.round(ms)} ms (${Math.round(10_000 / (ms / 1000))}/s)`);
  });

  it('two Namespace objects for the same namespace, used at once, agree', async () => {
    const a = await Namespace.open(NAME);
    const b = await Namespace.open(NAME);
    try {
      expect(a.inode).toBe(b.inode);
      const [ra, rb] = await Promise.all([
        a.addRoutes(Array.from({ length: 500 }, (_, i): RouteSpec => ({ dst: `10.103.${i >> 8}.${i & 255}/32`, dev: 'c0' }))),
        b.addRoutes(Array.from({ length: 500 }, (_, i): RouteSpec => ({ dst: `10.104.${i >> 8}.${i & 255}/32`, dev: 'c0' }))),
      ]);
      expect([...ra, ...rb].filter((e) => e !== undefined)).toEqual([]);
      const [linksA, linksB, routesA, routesB, addrsA, addrsB] = await Promise.all([a.links(), b.links(), a.routes(), b.routes(), a.addresses(), b.addresses()]);
      const links = (ls: typeof linksA) => ls.map((l) => `${l.index}:${l.name}:${l.mtu}:${l.isUp}`).sort();
      const routes = (rs: typeof routesA) => rs.map((r) => `${r.dst} ${r.via ?? ''} ${r.dev ?? ''} ${r.metric ?? ''}`).sort();
      expect(links(linksA)).toEqual(links(linksB));
      expect(routes(routesA)).toEqual(routes(routesB));
      expect(addrsA.map((x) => x.cidr).sort()).toEqual(addrsB.map((x) => x.cidr).sort());
      expect(routesA.filter((r) => r.dst.startsWith('10.103.') || r.dst.startsWith('10.104.')).length).toBe(1000);
      // A change through one is seen by the other at once.
      await (await a.link('c1')).setMtu(1400);
      expect((await b.link('c1')).mtu).toBe(1400);
    } finally {
      a.close();
      b.close();
    }
  });
});
