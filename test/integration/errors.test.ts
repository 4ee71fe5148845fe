import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Namespace, NetlinkError, VethPair, type Link } from '../../lib/index.js';
import { collect, ipAddrs, ipJson, ipLinkNames, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`errors: ${integrationSkipReason}`);

const P = 'it-errors-';
const DIST = fileURLToPath(new URL('../../dist/lib/index.js', import.meta.url));

/** Rejection or throw of `action`, whichever it is. */
async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, got success');
}

describe.skipIf(!canRunIntegration)('errors', () => {
  let ns: Namespace;
  let far: Namespace;
  let veth: Link;
  /** Every frame sent on `ns`'s socket, from its trace log. */
  const sent: string[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'trace' }, {
      write(line: string) {
        const msg = (JSON.parse(line) as { msg?: string }).msg ?? '';
        if (msg.startsWith('send ')) sent.push(msg.slice(5));
      },
    });
    ns = await Namespace.create(`${P}a`, { logger });
    far = await Namespace.create(`${P}far`);
    // No DAD on the new links: a link-local address leaving 'tentative' while a check compares
    // `ip addr` before and after would look like a change.
    ns.sysctl('net.ipv6.conf.default.accept_dad', 0);
    const pair = await VethPair.create({ name: 'veth0', namespace: ns, up: true, peer: { name: 'far0', namespace: far, up: true } });
    veth = pair.link;
    await veth.addAddress('10.5.0.2/24');
  });

  afterAll(async () => {
    for (const n of [ns, far]) await n?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  /** Runs `action`, expects an InvalidArgumentError on `field`, and proves nothing reached the kernel. */
  async function refusedBeforeSending(action: () => unknown, field: string): Promise<InvalidArgumentError> {
    const linksBefore = ipJson(ns, ['-d', 'link', 'show']);
    const addrsBefore = ipJson(ns, ['addr', 'show']);
    const routesBefore = ipJson(ns, ['route', 'show', 'table', 'all']);
    const frames = sent.length;
    const error = await failure(action);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe(field);
    expect(sent.slice(frames)).toEqual([]);
    expect(ipJson(ns, ['-d', 'link', 'show'])).toEqual(linksBefore);
    expect(ipJson(ns, ['addr', 'show'])).toEqual(addrsBefore);
    expect(ipJson(ns, ['route', 'show', 'table', 'all'])).toEqual(routesBefore);
    return error as InvalidArgumentError;
  }

  it('EEXIST on a duplicate address: errno, code, operation in words, sequence number', async () => {
    const error = await failure(() => veth.addAddress('10.5.0.2/24'));
    expect(error).toBeInstanceOf(NetlinkError);
    const e = error as NetlinkError;
    expect(e.code).toBe('EEXIST');
    expect(e.errno).toBe(17);
    // Through a Link, the device is named as the user knows it, not by its index.
    expect(e.operation).toBe('RTM_NEWADDR 10.5.0.2/24 dev veth0 in netns it-errors-a');
    expect(e.seq).toBeTypeOf('number');
    expect(e.message).toContain('EEXIST');
    const byName = (await failure(() => ns.addAddress('veth0', '10.5.0.2/24'))) as NetlinkError;
    expect(byName.operation).toBe('RTM_NEWADDR 10.5.0.2/24 dev veth0 in netns it-errors-a');
    expect(ipAddrs(ns, 'veth0', 4)).toEqual(['10.5.0.2/24']);
  });

  it('ENODEV for a link that does not exist, by name and by index, and for a deleted Link object', async () => {
    for (const attempt of [() => ns.link('nope0'), () => ns.link(9999), () => ns.addAddress('nope0', '10.5.1.1/24'), () => ns.addRoute({ dst: '10.5.9.0/24', dev: 'nope0' })]) {
      const e = (await failure(attempt)) as NetlinkError;
      expect(e).toBeInstanceOf(NetlinkError);
      expect(e.code).toBe('ENODEV');
      expect(e.errno).toBe(19);
      expect(e.operation).toMatch(/RTM_GETLINK (nope0|index 9999) in netns it-errors-a/);
    }
    const pair = await VethPair.create({ name: 'gone0', namespace: ns, peer: { name: 'gone1' } });
    await pair.delete();
    const e = (await failure(() => pair.link.up())) as NetlinkError;
    expect(e.code).toBe('ENODEV');
    expect(e.operation).toBe('RTM_NEWLINK set gone0 up true in netns it-errors-a');
  });

  it('the kernel\'s own words: an unreachable gateway is ENETUNREACH with the extended ACK message', async () => {
    const e = (await failure(() => ns.addRoute({ dst: '10.77.0.0/24', via: '10.200.0.1' }))) as NetlinkError;
    expect(e.code).toBe('ENETUNREACH');
    expect(e.kernelMessage).toMatch(/gateway/i);
    expect(e.message).toContain(e.kernelMessage);
    expect(e.operation).toBe('RTM_NEWROUTE 10.77.0.0/24 via 10.200.0.1 in netns it-errors-a');
  });

  it('a namespace that does not exist is refused before anything happens; a closed one says so', async () => {
    const before = Namespace.list();
    const e = await failure(() => Namespace.open(`${P}missing`));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe(`namespace: "${P}missing" does not exist (no /run/netns/${P}missing)`);
    expect(Namespace.list()).toEqual(before);
    const closed = await Namespace.open(`${P}a`);
    closed.close();
    expect(() => closed.rtnl).toThrow(/closed/);
    await expect(closed.links()).rejects.toThrow(/closed/);
  });

  it('a 16-byte interface name is refused before anything is sent', async () => {
    const name16 = 'abcdefghijklmnop';
    const e = await refusedBeforeSending(() => VethPair.create({ name: name16, namespace: ns, peer: { name: 'x1', namespace: far } }), 'name');
    expect(e.value).toBe(name16);
    expect(e.message).toMatch(/16 bytes.*at most 15/);
    await refusedBeforeSending(() => VethPair.create({ name: 'x0', namespace: ns, peer: { name: name16, namespace: far } }), 'peer.name');
    await refusedBeforeSending(() => veth.rename(name16), 'name');
    await refusedBeforeSending(() => ns.link(name16), 'dev');
    // 15 bytes is fine.
    const ok = await VethPair.create({ name: 'abcdefghijklmno', namespace: ns, peer: { name: 'p15', namespace: far } });
    expect(ipLinkNames(ns)).toContain('abcdefghijklmno');
    await ok.delete();
    ok.close();
    // Closed namespace: the check comes first, so the error is about the name, not the namespace.
    const closed = await Namespace.open(`${P}a`);
    closed.close();
    await expect(VethPair.create({ name: name16, namespace: closed, peer: { name: 'x1' } })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a bad CIDR is refused before anything is sent', async () => {
    const e = await refusedBeforeSending(() => veth.addAddress('10.0.0.1/33'), 'address');
    expect(e.value).toBe('10.0.0.1/33');
    expect(e.message).toMatch(/prefix length "33".*0 to 32/);
    await refusedBeforeSending(() => ns.addAddress('veth0', '10.0.0.1'), 'address');
    await refusedBeforeSending(() => ns.addAddress('veth0', '300.0.0.1/24'), 'address');
    await refusedBeforeSending(() => ns.addAddress('veth0', 'fd00::1/129'), 'address');
    await refusedBeforeSending(() => ns.addRoute({ dst: '10.0.0.0/33', dev: 'veth0' }), 'dst');
  });

  it('a gateway of the wrong family is refused before anything is sent (even the device lookup)', async () => {
    const e = await refusedBeforeSending(() => ns.addRoute({ dst: '10.6.0.0/24', via: 'fd00::1', dev: 'veth0' }), 'via');
    expect(e.message).toMatch(/IPv6 but the route is IPv4/);
    await refusedBeforeSending(() => ns.addRoute({ dst: 'fd00:6::/64', via: '10.5.0.1' }), 'via');
    await refusedBeforeSending(() => ns.addRoute({ dst: '10.6.0.0/24', nexthops: [{ via: '10.5.0.1' }, { via: 'fd00::1', dev: 'veth0' }] }), 'nexthops[1].via');
    await refusedBeforeSending(() => ns.addRoute({ dst: 'default', via: '10.5.0.1', family: 6 }), 'via');
    await refusedBeforeSending(() => ns.addRoute({ dst: '10.6.0.0/24', src: 'fd00::2', dev: 'veth0' }), 'src');
  });

  it('EPERM without CAP_NET_ADMIN: a child process with every capability dropped, as nobody', async () => {
    expect(existsSync(DIST), `${DIST} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const script = `
      const { Namespace } = await import(${JSON.stringify(DIST)});
      const ns = Namespace.current();
      const out = { uid: process.getuid() };
      const report = (e) => ({ name: e.name, code: e.code, errno: e.errno, operation: e.operation, message: e.message });
      try { out.links = (await ns.links()).map((l) => l.name); } catch (e) { out.links = report(e); }
      try { await ns.rtnl.addAddress('veth0', '10.5.7.7/24'); out.addr = 'ok'; } catch (e) { out.addr = report(e); }
      try { await (await ns.link('veth0')).setMtu(1400); out.mtu = 'ok'; } catch (e) { out.mtu = report(e); }
      ns.close();
      console.log(JSON.stringify(out));
    `;
    const child = ns.spawn('setpriv', [
      '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--',
      process.execPath, '--input-type=module', '-e', script,
    ]);
    const result = await collect(child, 20_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as Json;
    expect(out.uid).toBe(65534);
    // Reading needs no privilege: the child sees the namespace it was spawned into. (Fixed in
    // lib/sys/netns-thread.ts: opening the socket of Namespace.current() called setns into the
    // namespace the thread was already in, which failed with EPERM without CAP_SYS_ADMIN.)
    expect(out.links).toEqual(['lo', 'veth0']);
    expect(out.addr).toMatchObject({ name: 'NetlinkError', code: 'EPERM', errno: 1 });
    expect(out.addr.operation).toContain('RTM_NEWADDR 10.5.7.7/24 dev veth0');
    expect(out.mtu).toMatchObject({ name: 'NetlinkError', code: 'EPERM' });
    expect(out.mtu.operation).toContain('RTM_NEWLINK set');
    expect(ipAddrs(ns, 'veth0', 4)).toEqual(['10.5.0.2/24']);
    expect((ipJson(ns, ['link', 'show', 'dev', 'veth0']) as Json[])[0].mtu).toBe(1500);
  });
});
