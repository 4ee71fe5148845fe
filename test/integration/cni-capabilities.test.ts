/**
 * cni-bridge's own portMappings and bandwidth (what the portmap and bandwidth plugins do when
 * chained): a published port reached from another host and by hairpin, rate limits on the
 * host-side veth and its ifb, CHECK, DEL removing both, GC removing a stale attachment's.
 */
import type { Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { attachContainer, checkContainer, detachContainer, gcNetwork, type BridgeNetConf } from '../../lib/cni/index.js';
import { natOwner } from '../../lib/cni/bridge.js';
import { ifbName } from '../../lib/cni/capabilities.js';
import { closeServer, probe, startProbeServer } from '../../examples/common/probe.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { CNI_PATH } from './cni-helpers.js';
import { runIn } from '../helpers/ip-oracle.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const P = `it-cnicap-${process.pid}-`;

describe.skipIf(!canRunIntegration)('cni: portMappings and bandwidth done by cni-bridge itself', () => {
  let dir: string;
  let host: Namespace;
  let other: Namespace;
  const containers = new Map<string, Namespace>();
  const servers: Server[] = [];

  const conf = (runtimeConfig: Json = {}, extra: Json = {}): BridgeNetConf => ({
    cniVersion: '1.0.0', name: 'it-cap-net', type: 'cni-bridge', bridge: 'it-cap-br0', isDefaultGateway: true,
    capabilities: { portMappings: true, bandwidth: true },
    ipam: { type: 'host-local', subnet: '10.66.0.0/24', dataDir: join(dir, 'ipam') },
    runtimeConfig, ...extra,
  });
  const attach = (name: string, runtimeConfig: Json = {}) =>
    attachContainer(conf(runtimeConfig), { netns: containers.get(name)!.path, ifname: 'eth0', containerId: `ctr-${name}`, cniPath: CNI_PATH, host: host.path });
  const tc = (args: string[]): Json[] => JSON.parse(runIn(host, 'tc', ['-j', ...args]) || '[]') as Json[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'it-cnicap-'));
    host = await Namespace.create(`${P}host`);
    other = await Namespace.create(`${P}other`);
    for (const ns of [host, other]) await (await ns.link('lo')).up();
    const lan = await VethPair.create({ name: 'eth0', namespace: host, up: true, peer: { name: 'eth0', namespace: other, up: true } });
    await lan.link.addAddress('192.168.56.11/24');
    await lan.peer.addAddress('192.168.56.12/24');
    for (const name of ['web', 'client', 'gone']) {
      const ns = await Namespace.create(`${P}${name}`);
      await (await ns.link('lo')).up();
      containers.set(name, ns);
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
    for (const ns of [...containers.values(), other, host]) await ns?.delete().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('ADD publishes the port and caps the rates; the port answers from another host and by hairpin; CHECK passes', async () => {
    const bandwidth = { ingressRate: 8_000_000, ingressBurst: 256_000, egressRate: 4_000_000, egressBurst: 128_000 };
    const result = await attach('web', { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], bandwidth });
    const webIp = (result.ips![0]!.address as string).split('/')[0]!;
    await attach('client');
    servers.push(await startProbeServer(containers.get('web')!, '0.0.0.0', 80));

    expect(await probe(other, '192.168.56.11', 8080)).toMatchObject({ ok: true, seen: '192.168.56.12' });
    expect(await probe(containers.get('client')!, '192.168.56.11', 8080)).toMatchObject({ ok: true, seen: '10.66.0.1' });

    const [published] = await host.nat.published();
    expect(published).toMatchObject({ port: 8080, protocol: 'tcp', to: `${webIp}:80`, hairpinSource: '10.66.0.0/24', owner: natOwner('it-cap-net', 'ctr-web', 'eth0') });

    // tc sees what the bandwidth plugin would make: a tbf on the host veth (the container's
    // ingress), an ingress redirect to an ifb with a tbf (its egress). Rates in bytes per second.
    const hostVeth = result.interfaces![1]!.name;
    const ifb = ifbName(natOwner('it-cap-net', 'ctr-web', 'eth0'));
    expect(tc(['qdisc', 'show', 'dev', hostVeth]).map((q) => [q.kind, q.options?.rate])).toEqual([['tbf', 1_000_000], ['ingress', undefined]]);
    expect(tc(['qdisc', 'show', 'dev', ifb]).map((q) => [q.kind, q.options?.rate])).toEqual([['tbf', 500_000]]);
    expect(tc(['filter', 'show', 'dev', hostVeth, 'parent', 'ffff:'])[2]!.options.actions[0]).toMatchObject({ kind: 'mirred', mirred_action: 'redirect', to_dev: ifb });

    await checkContainer(conf({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], bandwidth }, { prevResult: result }), {
      netns: containers.get('web')!.path, ifname: 'eth0', containerId: 'ctr-web', cniPath: CNI_PATH, host: host.path,
    });
  });

  it('refuses bad capabilities before changing anything (code 7)', async () => {
    for (const [runtimeConfig, message] of [
      [{ portMappings: [{ hostPort: 0, containerPort: 80 }] }, /hostPort: 0 is not a port/],
      [{ portMappings: [{ hostPort: 8081, containerPort: 70000 }] }, /containerPort: 70000 is not a port/],
      [{ bandwidth: { ingressRate: 1000 } }, /if rate is set, burst must also be set/],
      [{ bandwidth: { egressBurst: 1000 } }, /if burst is set, rate must also be set/],
    ] as const) {
      const error = await attach('gone', runtimeConfig).catch((e: unknown) => e);
      expect(error).toMatchObject({ cniCode: 7, message: expect.stringMatching(message) });
    }
    expect((await containers.get('gone')!.links()).map((l) => l.name)).toEqual(['lo']);
  });

  it('a port our own rule publishes already is refused, and the failed ADD leaves nothing', async () => {
    const error = await attach('gone', { portMappings: [{ hostPort: 8080, containerPort: 80 }] }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain('port: 8080 is already published (tcp)');
    expect((await containers.get('gone')!.links()).map((l) => l.name)).toEqual(['lo']);
    expect((await host.nat.published()).map((p) => p.owner)).toEqual([natOwner('it-cap-net', 'ctr-web', 'eth0')]);
  });

  it('GC removes the ports and the ifb of attachments no longer valid; DEL removes the rest', async () => {
    await attach('gone', { portMappings: [{ hostPort: 9090, containerPort: 80 }], bandwidth: { egressRate: 1_000_000, egressBurst: 100_000 } });
    const gone = ifbName(natOwner('it-cap-net', 'ctr-gone', 'eth0'));
    expect((await host.links({ kind: 'ifb' })).map((l) => l.name).sort()).toEqual([gone, ifbName(natOwner('it-cap-net', 'ctr-web', 'eth0'))].sort());
    // GC is 1.1.0, which Debian's host-local does not speak: the same network without IPAM (nothing to forward).
    const { ipam: _ipam, ...network } = conf();
    await gcNetwork(
      { ...network, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'ctr-web', ifname: 'eth0' }, { containerID: 'ctr-client', ifname: 'eth0' }] },
      { cniPath: CNI_PATH, host: host.path },
    );
    expect((await host.nat.published()).map((p) => p.port)).toEqual([8080]);
    expect((await host.links({ kind: 'ifb' })).map((l) => l.name)).not.toContain(gone);

    await detachContainer(conf({ portMappings: [{ hostPort: 8080, containerPort: 80 }], bandwidth: { egressRate: 4_000_000, egressBurst: 128_000 } }), {
      netns: containers.get('web')!.path, ifname: 'eth0', containerId: 'ctr-web', cniPath: CNI_PATH, host: host.path,
    });
    expect(await host.nat.published()).toEqual([]);
    expect(await host.links({ kind: 'ifb' })).toEqual([]);
    expect((await probe(other, '192.168.56.11', 8080, { timeoutMs: 500 })).ok).toBe(false);
  });
});
