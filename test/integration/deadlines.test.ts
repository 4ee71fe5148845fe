import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, NetlinkError, VethPair, type RouteSpec } from '../../lib/index.js';
import { ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

// A request's time limit never reports a timeout for a request the kernel has answered: with the
// event loop held up past the limit right after the requests were sent, their answers wait on the
// socket when the deadline timer runs, and they are read before anything is expired.

if (integrationSkipReason !== undefined) console.log(`deadlines: ${integrationSkipReason}`);

const P = 'it-dl-';
const STALL_MS = 300;

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe.skipIf(!canRunIntegration)('deadlines with the event loop held up', () => {
  let ns: Namespace;
  let index: number;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}main`);
    await VethPair.create({ name: 'c0', namespace: ns, up: true, peer: { name: 'c1', up: true } });
    await ns.addAddress('c0', '10.0.0.1/16');
    index = (await ns.link('c0')).index;
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it(`1,000 route adds with a 20 ms limit, the event loop blocked ${STALL_MS} ms right after their send: every outcome reported is the kernel's`, async () => {
    // Every other one through a gateway no link covers: an error datagram each, more than one read
    // pass takes, so most answers are still queued on the socket when the stall begins.
    const specs: RouteSpec[] = Array.from({ length: 1000 }, (_, i) => {
      const dst = `10.140.${i >> 8}.${i & 255}/32`;
      return i % 2 === 0 ? { dst, via: '192.168.250.1' } : { dst, dev: index };
    });
    await using fast = await Namespace.open(`${P}main`, { timeoutMs: 20 });
    let settledBeforeStall = -1;
    let settled = 0;
    const results = await new Promise<Array<PromiseSettledResult<void>>>((resolve) => {
      // Two callbacks of one check phase: the requests are sent in the microtasks between them.
      setImmediate(() => {
        const all = specs.map((spec) => fast.addRoute(spec).finally(() => settled++));
        void Promise.allSettled(all).then(resolve);
      });
      setImmediate(() => {
        settledBeforeStall = settled;
        busy(STALL_MS);
      });
    });
    // The stall came between the send and the reading of most answers.
    expect(settledBeforeStall).toBeGreaterThanOrEqual(0);
    expect(settledBeforeStall).toBeLessThan(500);
    const present = new Set((ipJson(ns, ['-4', 'route', 'show', 'table', 'main']) as Json[]).map((r) => String(r.dst)));
    const wrong = results.flatMap((r, i) => {
      const dst = specs[i]!.dst.replace('/32', '');
      const reported = r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name;
      return (r.status === 'fulfilled') === present.has(dst) ? [] : [`${dst}: reported ${reported}, ${present.has(dst) ? 'present' : 'absent'}`];
    });
    expect(wrong).toEqual([]);
    // Every answer was queued by the time the limit passed: each request got the kernel's own.
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason instanceof NetlinkError ? r.reason.code : (r.reason as Error).name));
    expect(codes.filter((c, i) => c !== (i % 2 === 0 ? 'ENETUNREACH' : 'ok'))).toEqual([]);
  });
});
