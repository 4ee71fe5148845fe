/**
 * Issue 15's acceptance for the CNI plugin: 200 ADD+DEL pairs with ipMasq, all at once, through the
 * executable (dist/bundle/cni-bridge.cjs) with the reference host-local IPAM. Every call must
 * succeed and nothing may be left behind: no veth, no lease, no NAT rule, no table of ours.
 * NETNS_RTNL_CNI_PAIRS sets another number of pairs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace } from '../../lib/index.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { OURS, REFERENCE, runPlugin } from './cni-helpers.js';

const PAIRS = Number(process.env.NETNS_RTNL_CNI_PAIRS ?? 200);
const P = `it-cnipar-${process.pid}-`;
const NETWORK = 'it-cni-par';
const ready = canRunIntegration && existsSync(OURS) && existsSync(REFERENCE);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!ready)(`cni: ${PAIRS} parallel ADD+DEL pairs with ipMasq through the executable`, () => {
  let dir: string;
  let host: Namespace;
  const containers: Namespace[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'it-cnipar-'));
    host = await Namespace.create(`${P}host`);
    await (await host.link('lo')).up();
    for (let i = 0; i < PAIRS; i++) containers.push(await Namespace.create(`${P}c${i}`));
  });

  afterAll(async () => {
    for (const ns of containers) await ns.delete().catch(() => undefined);
    await host?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it('all succeed, and nothing is left behind', async () => {
    const conf = {
      cniVersion: '1.0.0',
      name: NETWORK,
      type: 'cni-bridge',
      bridge: 'cnipar0',
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', subnet: '10.90.0.0/16', dataDir: join(dir, 'ipam') },
    };
    const started = Date.now();
    const outcomes = await Promise.all(
      containers.map(async (ns, i) => {
        const env = { containerId: `par${i}`, netns: ns.path, ifname: 'eth0' };
        const add = await runPlugin('ours', host, 'ADD', conf, env);
        const del = await runPlugin('ours', host, 'DEL', conf, env);
        return { i, add, del };
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const failedAdds = outcomes.filter((o) => o.add.status !== 0).map((o) => `ADD ${o.i}: ${JSON.stringify(o.add.json ?? o.add.stdout)} ${o.add.stderr}`);
    const failedDels = outcomes.filter((o) => o.del.status !== 0).map((o) => `DEL ${o.i}: ${JSON.stringify(o.del.json ?? o.del.stdout)} ${o.del.stderr}`);
    console.log(`cni-parallel: ${PAIRS} pairs (${2 * PAIRS} plugin runs) in ${seconds.toFixed(1)} s; ${failedAdds.length} ADD and ${failedDels.length} DEL failures`);
    for (const f of [...failedAdds, ...failedDels]) console.log(f);
    expect(failedAdds).toEqual([]);
    expect(failedDels).toEqual([]);
    // Each ADD got its own address.
    const addresses = outcomes.map((o) => (o.add.json as Json).ips[0].address as string);
    expect(new Set(addresses).size).toBe(PAIRS);

    const hostLinks = (JSON.parse(spawnSync('ip', ['-n', host.name!, '-j', 'link', 'show'], { encoding: 'utf8' }).stdout) as Json[]).map((l) => l.ifname);
    expect(hostLinks.sort()).toEqual(['cnipar0', 'lo']);
    for (const ns of containers) expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
    const leases = readdirSync(join(dir, 'ipam', NETWORK)).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'));
    expect(leases).toEqual([]);
    const ruleset = spawnSync('ip', ['netns', 'exec', host.name!, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8' });
    expect((JSON.parse(ruleset.stdout) as { nftables: Json[] }).nftables.filter((o) => !o.metainfo)).toEqual([]);
  }, 600_000);
});
