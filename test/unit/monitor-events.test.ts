import { describe, expect, it } from 'vitest';
import type { NetlinkMessage } from '../../messages/message.js';
import { Monitor, type MonitorEvent } from '../../lib/monitor/index.js';
import { InvalidArgumentError } from '../../lib/validate.js';
import { done, fakeKernel, type FakeKernelHandler, type FakeTransport } from '../helpers/fake-kernel.js';

const PORT = 4242;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;

function monitorTransport(handler: FakeKernelHandler = () => []): FakeTransport {
  return Object.assign(fakeKernel(handler), { port: PORT });
}

/** A link message; notifications carry the port and sequence number of whoever made the change. */
function link(index: number, name: string, options: { del?: boolean; mtu?: number; up?: boolean; seq?: number; pid?: number } = {}): NetlinkMessage {
  return {
    kind: 'link',
    type: options.del ? RTM_DELLINK : RTM_NEWLINK,
    flags: 0,
    seq: options.seq ?? 77,
    pid: options.pid ?? 999,
    body: { family: 0, type: 1, index, flags: options.up === false ? 0 : 1, change: 0, attrs: { ifname: name, mtu: options.mtu ?? 1500 } },
  };
}

const reply = (m: NetlinkMessage, seq: number): NetlinkMessage => ({ ...m, flags: 2, seq, pid: PORT });
const tick = () => new Promise((r) => setImmediate(r));
const brief = (ev: MonitorEvent) =>
  ev.kind === 'link' ? `${ev.action} ${ev.link.index} ${ev.link.name} ${ev.link.mtu}${ev.inferred ? ' inferred' : ''}` : ev.kind === 'route' ? `${ev.action} route ${ev.route.dst}${ev.inferred ? ' inferred' : ''}` : ev.kind;

async function take(monitor: Monitor, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await monitor.next();
    if (r.done) break;
    out.push(brief(r.value));
  }
  return out;
}

describe('Monitor, plain mode', () => {
  it('joins the groups by number, above 31 too, and refuses unknown names', () => {
    const t = monitorTransport();
    const m = new Monitor(t, { groups: ['link', 'ipv4-route', 'nsid', 'nexthop', 'link'] });
    expect(t.groups).toEqual([1, 7, 28, 32]);
    m.close();
    expect(() => new Monitor(monitorTransport(), { groups: ['links' as never] })).toThrow(InvalidArgumentError);
    expect(() => new Monitor(monitorTransport(), { groups: [] })).toThrow(InvalidArgumentError);
    expect(() => new Monitor(monitorTransport(), { groups: ['ipv4-rule'], replay: true })).toThrow(/replay mode takes/);
  });

  it('yields typed events in order', async () => {
    const t = monitorTransport();
    const m = new Monitor(t, { groups: ['link', 'ipv4-ifaddr', 'ipv4-route', 'neigh', 'nsid'] });
    t.deliver([link(2, 'veth0')]);
    t.deliver([
      { kind: 'address', type: 20, flags: 0, seq: 0, pid: 0, body: { family: 2, prefixlen: 24, flags: 0x80, scope: 0, index: 2, attrs: { address: '10.0.0.1', local: '10.0.0.1' } } },
      { kind: 'route', type: 25, flags: 0, seq: 0, pid: 0, body: { family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 0, attrs: { table: 254, dst: '10.1.0.0', gateway: '10.0.0.254', oif: 2 } } },
      { kind: 'neighbor', type: 28, flags: 0, seq: 0, pid: 0, body: { family: 2, ifindex: 2, state: 0x80, flags: 0, type: 1, attrs: { dst: '10.0.0.9', lladdr: '02:00:00:00:00:09' } } },
      { kind: 'nsid', type: 88, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid: 7 } } },
    ]);
    const events: MonitorEvent[] = [];
    for (let i = 0; i < 5; i++) events.push((await m.next()).value!);
    expect(events.map((e) => e.kind)).toEqual(['link', 'address', 'route', 'neighbor', 'nsid']);
    const [l, a, r, n, s] = events;
    expect(l).toMatchObject({ action: 'new', link: { index: 2, name: 'veth0', up: true, mtu: 1500 } });
    expect(a).toMatchObject({ action: 'new', address: { cidr: '10.0.0.1/24', dev: 2, permanent: true } });
    expect(r).toMatchObject({ action: 'del', route: { dst: '10.1.0.0/24', via: '10.0.0.254', table: 'main' } });
    expect(n).toMatchObject({ action: 'new', neighbor: { dst: '10.0.0.9', lladdr: '02:00:00:00:00:09', stateNames: ['permanent'] } });
    expect(s).toEqual({ kind: 'nsid', action: 'new', nsid: 7 });
    m.close();
  });

  it('ends on break and releases the socket', async () => {
    const t = monitorTransport();
    const m = new Monitor(t, { groups: ['link'] });
    setImmediate(() => t.deliver([link(2, 'a'), link(3, 'b')]));
    const seen: string[] = [];
    for await (const ev of m) {
      seen.push(brief(ev));
      break;
    }
    expect(seen).toEqual(['new 2 a 1500']);
    expect(t.closed).toBe(true);
    expect(await m.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a pending next() on abort, releases the socket, and keeps the loop alive only while waiting', async () => {
    const t = monitorTransport();
    const controller = new AbortController();
    const m = new Monitor(t, { groups: ['link'], signal: controller.signal });
    expect(t.refs).toBe(0);
    const pending = m.next();
    expect(t.refs).toBe(1);
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(t.closed).toBe(true);

    const t2 = monitorTransport();
    const already = new Monitor(t2, { groups: ['link'], signal: AbortSignal.abort() });
    expect(t2.closed).toBe(true);
    expect(await already.next()).toEqual({ value: undefined, done: true });
  });

  it('maps ENOBUFS to one { kind: "overrun" } between the events around it', async () => {
    const t = monitorTransport();
    const m = new Monitor(t, { groups: ['link'] });
    t.deliver([link(2, 'a')]);
    t.fail(Object.assign(new Error('overrun'), { code: 'ENOBUFS' }));
    t.fail(Object.assign(new Error('overrun'), { code: 'ENOBUFS' }));
    t.deliver([link(3, 'b')]);
    expect(await take(m, 3)).toEqual(['new 2 a 1500', 'overrun', 'new 3 b 1500']);
    m.close();
  });

  it('counts events beyond maxPendingEvents as lost', async () => {
    const t = monitorTransport();
    const m = new Monitor(t, { groups: ['link'], maxPendingEvents: 2 });
    for (let i = 2; i < 6; i++) t.deliver([link(i, `l${i}`)]);
    expect(m.pending).toBe(3);
    expect(await take(m, 3)).toEqual(['new 2 l2 1500', 'new 3 l3 1500', 'overrun']);
    t.deliver([link(9, 'l9')]);
    expect(await take(m, 1)).toEqual(['new 9 l9 1500']);
    m.close();
  });

  it('ends with the error of a non-overrun socket failure, after the queued events', async () => {
    const t = monitorTransport();
    const m = new Monitor(t, { groups: ['link'] });
    t.deliver([link(2, 'a')]);
    t.fail(Object.assign(new Error('EBADF'), { code: 'EBADF' }));
    expect(t.closed).toBe(true);
    expect(await take(m, 1)).toEqual(['new 2 a 1500']);
    await expect(m.next()).rejects.toThrow('EBADF');
    expect(await m.next()).toEqual({ value: undefined, done: true });
  });
});

describe('Monitor, replay mode (dump, then follow)', () => {
  /**
   * A kernel whose link dumps are scripted: each entry is a list of steps, a step either a dump
   * reply datagram or a notification delivered between them.
   */
  function scripted(dumps: Array<(seq: number) => Array<{ reply: NetlinkMessage[] } | { notify: NetlinkMessage[] }>>) {
    let n = 0;
    const t = monitorTransport((request) => {
      if (request.type !== RTM_GETLINK) throw new Error(`unexpected request ${request.type}`);
      const steps = dumps[n++]!(request.seq);
      let chain = Promise.resolve();
      for (const step of steps) {
        chain = chain.then(tick).then(() => t.deliver('reply' in step ? step.reply : step.notify));
      }
    });
    return t;
  }

  it('yields the reconciled state, { kind: "synced" }, then changes with no duplicate', async () => {
    const t = scripted([
      (seq) => [
        { notify: [link(2, 'a')] }, // already reflected in the dump below
        { reply: [reply(link(1, 'lo', { mtu: 65536 }), seq), reply(link(2, 'a'), seq)] },
        { notify: [link(3, 'b', { del: true })] }, // deleted while the dump ran: the dump still lists it
        { notify: [link(4, 'c')] }, // created while the dump ran, after it passed index 4
        { reply: [reply(link(3, 'b'), seq)] },
        { reply: [done({ seq } as NetlinkMessage)] },
      ],
    ]);
    const m = new Monitor(t, { groups: ['link'], replay: true });
    expect(await take(m, 4)).toEqual(['new 1 lo 65536', 'new 2 a 1500', 'new 4 c 1500', 'synced']);
    t.deliver([link(2, 'a', { mtu: 1400 })]);
    t.deliver([link(4, 'c')]); // the same state again: dropped
    t.deliver([link(4, 'c', { del: true })]);
    t.deliver([link(4, 'c', { del: true })]); // gone already: dropped
    t.deliver([link(5, 'd')]);
    expect(await take(m, 3)).toEqual(['new 2 a 1400', 'del 4 c 1500', 'new 5 d 1500']);
    expect(m.pending).toBe(0);
    m.close();
    expect(t.closed).toBe(true);
  });

  it('tells dump replies from notifications by port and sequence number', async () => {
    const t = scripted([
      (seq) => [
        // A notification caused by another socket's request that happens to use our sequence number.
        { notify: [link(7, 'x', { seq, pid: 31337 })] },
        { reply: [reply(link(1, 'lo'), seq)] },
        { reply: [done({ seq } as NetlinkMessage)] },
      ],
    ]);
    const m = new Monitor(t, { groups: ['link'], replay: true });
    expect(await take(m, 3)).toEqual(['new 1 lo 1500', 'new 7 x 1500', 'synced']);
    m.close();
  });

  it('resyncs after an overrun: stale notifications dropped, differences yielded', async () => {
    const t = scripted([
      (seq) => [
        { reply: [reply(link(1, 'lo'), seq), reply(link(2, 'a'), seq), reply(link(3, 'b'), seq)] },
        { reply: [done({ seq } as NetlinkMessage)] },
      ],
      (seq) => [
        { notify: [link(9, 'stale')] }, // queued before the loss; deleted in a lost notification
        { reply: [reply(link(1, 'lo'), seq), reply(link(3, 'b', { mtu: 9000 }), seq)] },
        { notify: [link(5, 'e')] }, // after the dump began: counts
        { reply: [done({ seq } as NetlinkMessage)] },
      ],
    ]);
    const m = new Monitor(t, { groups: ['link'], replay: true });
    expect(await take(m, 4)).toEqual(['new 1 lo 1500', 'new 2 a 1500', 'new 3 b 1500', 'synced']);
    t.fail(Object.assign(new Error('overrun'), { code: 'ENOBUFS' }));
    expect(await take(m, 5)).toEqual(['resync', 'del 2 a 1500', 'new 3 b 9000', 'new 5 e 1500', 'synced']);
    expect(t.requests.filter((r) => r.type === RTM_GETLINK)).toHaveLength(2);
    m.close();
  });

  it('starts the dump over when events are lost during it, after the kernel finished the old one', async () => {
    let t!: ReturnType<typeof scripted>;
    t = scripted([
      (seq) => [
        { reply: [reply(link(1, 'lo'), seq)] },
        { notify: [link(2, 'a')] },
        { reply: [reply(link(3, 'b'), seq), done({ seq } as NetlinkMessage)] },
      ],
      (seq) => [
        { reply: [reply(link(1, 'lo'), seq), reply(link(3, 'b'), seq)] },
        { reply: [done({ seq } as NetlinkMessage)] },
      ],
    ]);
    const m = new Monitor(t, { groups: ['link'], replay: true });
    await tick();
    await tick();
    t.fail(Object.assign(new Error('overrun'), { code: 'ENOBUFS' })); // during the first dump
    expect(await take(m, 3)).toEqual(['new 1 lo 1500', 'new 3 b 1500', 'synced']);
    expect(t.requests.filter((r) => r.type === RTM_GETLINK)).toHaveLength(2);
    m.close();
  });

  it('takes back unread events when too many wait, then yields the differences against what was read', async () => {
    const t = scripted([
      (seq) => [{ reply: [reply(link(1, 'lo'), seq)] }, { reply: [done({ seq } as NetlinkMessage)] }],
      (seq) => [{ reply: [reply(link(1, 'lo'), seq), reply(link(4, 'd'), seq)] }, { reply: [done({ seq } as NetlinkMessage)] }],
    ]);
    const m = new Monitor(t, { groups: ['link'], replay: true, maxPendingEvents: 2 });
    expect(await take(m, 2)).toEqual(['new 1 lo 1500', 'synced']);
    t.deliver([link(2, 'b')]);
    t.deliver([link(3, 'c')]);
    t.deliver([link(4, 'd')]); // a third unread event: the two before it are taken back
    expect(await take(m, 3)).toEqual(['resync', 'new 4 d 1500', 'synced']);
    m.close();
  });

  it('infers the silent removal of IPv4 routes when their link goes down', async () => {
    const route = (dst: string, oif: number, seq = 0, del = false): NetlinkMessage => ({
      kind: 'route', type: del ? 25 : 24, flags: seq ? 2 : 0, seq, pid: seq ? PORT : 0,
      body: { family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 0, attrs: { table: 254, dst, oif } },
    });
    const t = monitorTransport((request) => {
      const messages = request.type === RTM_GETLINK ? [reply(link(2, 'a'), request.seq)] : [route('10.1.0.0', 2, request.seq), route('10.2.0.0', 3, request.seq)];
      return [messages, [done(request)]];
    });
    const m = new Monitor(t, { groups: ['link', 'ipv4-route'], replay: true });
    expect(await take(m, 4)).toEqual(['new 2 a 1500', 'new route 10.1.0.0/24', 'new route 10.2.0.0/24', 'synced']);
    t.deliver([link(2, 'a', { up: false })]);
    t.deliver([route('10.1.0.0', 2, 0, true)]); // should the kernel send it after all: nothing more
    expect(await take(m, 2)).toEqual(['new 2 a 1500', 'del route 10.1.0.0/24 inferred']);
    expect(m.pending).toBe(0);
    m.close();
  });

  it('needs the transport port', () => {
    expect(() => new Monitor(fakeKernel(() => []), { groups: ['link'], replay: true })).toThrow(/port/);
  });
});
