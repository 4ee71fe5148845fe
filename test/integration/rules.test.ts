import type { Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`rules: ${integrationSkipReason}`);

const P = 'it-rules-';
const PORT = 7100;

/** A server in `ns` that answers every connection with `name`. */
function nameServer(ns: Namespace, name: string): Promise<Server> {
  return ns.listen({ host: '0.0.0.0', port: PORT }, (socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end(name);
  });
}

/** Which server answers a connection from `from` to host:PORT. */
async function whoAnswers(from: Namespace, host: string): Promise<string> {
  const socket = await from.connect({ host, port: PORT, timeoutMs: 3000 });
  try {
    socket.setEncoding('utf8');
    let text = '';
    for await (const chunk of socket) text += chunk as string;
    return text;
  } finally {
    socket.destroy();
  }
}

describe.skipIf(!canRunIntegration)('policy routing rules', () => {
  let r: Namespace;
  const spaces: Namespace[] = [];
  const servers: Server[] = [];

  /**
   * Two tenants (c1 10.1.0.2, c2 10.2.0.2) behind a router r, which reaches two servers (s1, s2)
   * that both answer on 10.9.0.1: r's main table sends 10.9.0.1 to s1, its table 100 to s2.
   */
  beforeAll(async () => {
    r = await Namespace.create(`${P}r`);
    spaces.push(r);
    r.sysctl('net.ipv4.ip_forward', '1');
    const links: Array<[string, string, string]> = [
      ['c1', '10.1.0.1/24', '10.1.0.2/24'],
      ['c2', '10.2.0.1/24', '10.2.0.2/24'],
      ['s1', '10.3.0.1/24', '10.3.0.2/24'],
      ['s2', '10.4.0.1/24', '10.4.0.2/24'],
    ];
    for (const [name, routerSide, far] of links) {
      const ns = await Namespace.create(`${P}${name}`);
      spaces.push(ns);
      const { link, peer } = await VethPair.create({ name: `r-${name}`, namespace: r, up: true, peer: { name: 'eth0', namespace: ns, up: true } });
      await link.addAddress(routerSide);
      await peer.addAddress(far);
      await (await ns.link('lo')).up();
      await ns.addRoute({ dst: 'default', via: routerSide.split('/')[0]! });
      if (name.startsWith('s')) {
        await ns.addAddress('lo', '10.9.0.1/32');
        servers.push(await nameServer(ns, name));
      }
    }
    await r.addRoute({ dst: '10.9.0.1/32', via: '10.3.0.2' });
    await r.addRoute({ dst: '10.9.0.1/32', via: '10.4.0.2', table: 100 });
  });

  afterAll(async () => {
    for (const s of servers) s.close();
    for (const ns of spaces) await ns.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  const ns = (name: string) => spaces.find((s) => s.name === `${P}${name}`)!;
  /** The priorities the selector test uses (the kernel's own rules are 0, 32766 and 32767). */
  const ours = (priority: number) => priority >= 2000 && priority < 3000;

  it('a rule steers one tenant into table 100; deleting it sends that tenant back to the main table', async () => {
    expect(await whoAnswers(ns('c1'), '10.9.0.1')).toBe('s1');
    expect(await whoAnswers(ns('c2'), '10.9.0.1')).toBe('s1');

    await r.addRule({ from: '10.2.0.0/24', table: 100, priority: 1000 });
    expect(await whoAnswers(ns('c1'), '10.9.0.1')).toBe('s1');
    expect(await whoAnswers(ns('c2'), '10.9.0.1')).toBe('s2');

    const [rule] = (await r.rules({ family: 4 })).filter((x) => x.priority === 1000);
    expect(rule).toMatchObject({ family: 4, priority: 1000, from: '10.2.0.0/24', table: 100, action: 'table' });
    expect((ipJson(r, ['rule', 'show']) as Json[]).filter((x) => x.priority === 1000)).toEqual([{ priority: 1000, src: '10.2.0.0', srclen: 24, table: '100' }]);

    await r.deleteRule(rule!); // what rules() returned, given back
    expect((ipJson(r, ['rule', 'show']) as Json[]).map((x) => x.priority)).toEqual([0, 32766, 32767]);
    expect(await whoAnswers(ns('c2'), '10.9.0.1')).toBe('s1');
  });

  it('iif rules steer by the incoming interface; an unreachable rule refuses', async () => {
    await r.addRule({ iif: 'r-c1', table: 100, priority: 900 });
    expect(await whoAnswers(ns('c1'), '10.9.0.1')).toBe('s2');
    expect(await whoAnswers(ns('c2'), '10.9.0.1')).toBe('s1');
    await r.addRule({ from: '10.2.0.2/32', action: 'unreachable', priority: 800 });
    await expect(whoAnswers(ns('c2'), '10.9.0.1')).rejects.toMatchObject({ code: expect.stringMatching(/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/) });
    await r.deleteRule({ priority: 800 });
    await r.deleteRule({ priority: 900 });
    expect(await whoAnswers(ns('c1'), '10.9.0.1')).toBe('s1');
  });

  it('rules of both families with every selector read back as ip -j rule shows them', async () => {
    await r.addRule({ from: '10.5.0.0/16', to: '10.6.0.0/16', fwmark: 0x10, fwmask: 0xff, iif: 'lo', table: 300, priority: 2000 });
    await r.addRule({ not: true, to: '10.7.0.0/16', oif: 'r-s1', table: 'main', priority: 2001 });
    await r.addRule({ from: 'fd00:1::/64', table: 200, priority: 2002 });
    await r.addRule({ to: 'fd00:2::/64', action: 'prohibit', priority: 2003 });

    const v4 = (await r.rules({ family: 4 })).filter((x) => ours(x.priority));
    expect(v4.map(({ raw: _raw, protocol: _p, ...rest }) => rest)).toEqual([
      { family: 4, priority: 2000, from: '10.5.0.0/16', to: '10.6.0.0/16', iif: 'lo', fwmark: 0x10, fwmask: 0xff, table: 300, action: 'table' },
      { family: 4, priority: 2001, to: '10.7.0.0/16', oif: 'r-s1', table: 'main', action: 'table', not: true },
    ]);
    expect((ipJson(r, ['rule', 'show']) as Json[]).filter((x) => ours(x.priority))).toEqual([
      { priority: 2000, src: '10.5.0.0', srclen: 16, dst: '10.6.0.0', dstlen: 16, iif: 'lo', fwmark: '0x10', fwmask: '0xff', table: '300' },
      { priority: 2001, not: null, src: 'all', dst: '10.7.0.0', dstlen: 16, oif: 'r-s1', table: 'main' },
    ]);
    const v6 = (await r.rules({ family: 6 })).filter((x) => ours(x.priority));
    expect(v6.map(({ raw: _raw, protocol: _p, ...rest }) => rest)).toEqual([
      { family: 6, priority: 2002, from: 'fd00:1::/64', table: 200, action: 'table' },
      { family: 6, priority: 2003, to: 'fd00:2::/64', action: 'prohibit' },
    ]);
    expect((ipJson(r, ['-6', 'rule', 'show']) as Json[]).filter((x) => ours(x.priority))).toEqual([
      { priority: 2002, src: 'fd00:1::', srclen: 64, table: '200' },
      { priority: 2003, src: 'all', dst: 'fd00:2::', dstlen: 64, action: 'prohibit' },
    ]);
    // Both families in one dump; each rule given back deletes itself.
    const both = (await r.rules()).filter((x) => ours(x.priority));
    expect(both.map((x) => x.priority).sort()).toEqual([2000, 2001, 2002, 2003]);
    for (const rule of both) await r.deleteRule(rule);
    expect((await r.rules()).filter((x) => ours(x.priority))).toEqual([]);
  });

  it('the kernel refuses a duplicate (EEXIST) and a delete of nothing (ENOENT), naming the rule', async () => {
    await r.addRule({ from: '10.8.0.0/24', table: 100, priority: 3000 });
    await expect(r.addRule({ from: '10.8.0.0/24', table: 100, priority: 3000 })).rejects.toMatchObject({ code: 'EEXIST', message: expect.stringContaining('RTM_NEWRULE from 10.8.0.0/24 lookup 100 pref 3000') });
    await r.deleteRule({ priority: 3000 });
    await expect(r.deleteRule({ priority: 3000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
