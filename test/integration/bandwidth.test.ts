import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { measureTransfer } from '../../examples/common/throughput.js';
import { ipJson, tcJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`bandwidth: ${integrationSkipReason}`);

const P = 'it-bw-';

describe.skipIf(!canRunIntegration)('bandwidth: tbf egress, ingress through an ifb', () => {
  let a: Namespace;
  let b: Namespace;

  beforeAll(async () => {
    a = await Namespace.create(`${P}a`);
    b = await Namespace.create(`${P}b`);
    const { link, peer } = await VethPair.create({ name: 'va', namespace: a, up: true, peer: { name: 'vb', namespace: b, up: true } });
    await link.addAddress('10.50.0.1/24');
    await peer.addAddress('10.50.0.2/24');
  });

  afterAll(async () => {
    for (const ns of [a, b]) await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('a capped TCP transfer runs within 20% of the cap, both ways', async () => {
    const egress = 8_000_000;
    const ingress = 4_000_000;
    await a.tc.limitBandwidth('va', { egress: { rate: egress }, ingress: { rate: '4mbit' } });

    const limits = await a.tc.bandwidth('va');
    expect(limits.egress).toMatchObject({ kind: 'tbf', parent: 'root', rate: egress });
    expect(limits.ingress).toMatchObject({ kind: 'tbf', parent: 'root', rate: ingress, ifb: `ifb${(await a.link('va')).index}` });
    // tc sees the same: a tbf on va and on the ifb at the rates asked (tc prints bytes per second).
    expect(tcJson(a, ['qdisc', 'show', 'dev', 'va']).map((q) => [q.kind, q.options?.rate])).toEqual([['tbf', egress / 8], ['ingress', undefined]]);
    expect(tcJson(a, ['qdisc', 'show', 'dev', limits.ingress!.ifb]).map((q) => [q.kind, q.options?.rate])).toEqual([['tbf', ingress / 8]]);
    const [, , node] = tcJson(a, ['filter', 'show', 'dev', 'va', 'parent', 'ffff:']);
    expect(node.options.actions).toMatchObject([{ kind: 'mirred', mirred_action: 'redirect', direction: 'egress', to_dev: limits.ingress!.ifb }]);

    const out = await measureTransfer(a, b, '10.50.0.2', { seconds: 3 });
    const back = await measureTransfer(b, a, '10.50.0.1', { seconds: 3 });
    console.log(`bandwidth: a->b ${(out.bitsPerSecond / 1e6).toFixed(2)} Mbit/s (cap 8), b->a ${(back.bitsPerSecond / 1e6).toFixed(2)} Mbit/s (cap 4)`);
    expect(out.bitsPerSecond / egress).toBeGreaterThan(0.8);
    expect(out.bitsPerSecond / egress).toBeLessThan(1.2);
    expect(back.bitsPerSecond / ingress).toBeGreaterThan(0.8);
    expect(back.bitsPerSecond / ingress).toBeLessThan(1.2);

    // The tbf counted what it held back.
    const after = await a.tc.bandwidth('va');
    expect(after.egress!.stats!.overlimits).toBeGreaterThan(0);
    expect(after.ingress!.stats!.overlimits).toBeGreaterThan(0);
  }, 30_000);

  it('removing the limits leaves the device as it was and removes the ifb; uncapped runs far faster', async () => {
    const ifb = (await a.tc.bandwidth('va')).ingress!.ifb;
    await a.tc.removeBandwidthLimits('va');
    expect(await a.tc.bandwidth('va')).toEqual({});
    expect(tcJson(a, ['qdisc', 'show', 'dev', 'va']).map((q) => q.kind)).toEqual(['noqueue']);
    expect((ipJson(a, ['link', 'show']) as Json[]).map((l) => l.ifname)).not.toContain(ifb);
    const free = await measureTransfer(a, b, '10.50.0.2', { seconds: 1, warmupSeconds: 0.2 });
    expect(free.bitsPerSecond).toBeGreaterThan(40_000_000);
  }, 30_000);

  it('a device with a root qdisc already is refused by the kernel, and nothing is left half-made', async () => {
    await a.tc.addQdisc('va', { kind: 'tbf', rate: '1mbit' });
    await expect(a.tc.limitBandwidth('va', { egress: { rate: '2mbit' }, ingress: { rate: '2mbit' } })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(tcJson(a, ['qdisc', 'show', 'dev', 'va']).map((q) => [q.kind, q.options?.rate])).toEqual([['tbf', 125000]]);
    await a.tc.deleteQdisc('va');
    // Now the ingress side fails (an ingress qdisc is there): the egress tbf and the ifb made first are removed.
    await a.tc.addQdisc('va', { kind: 'ingress' });
    await expect(a.tc.limitBandwidth('va', { egress: { rate: '2mbit' }, ingress: { rate: '2mbit' } })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(tcJson(a, ['qdisc', 'show', 'dev', 'va']).map((q) => q.kind).sort()).toEqual(['ingress', 'noqueue']);
    expect((ipJson(a, ['link', 'show']) as Json[]).filter((l) => l.ifname.startsWith('ifb'))).toEqual([]);
    await a.tc.deleteQdisc('va', 'ingress');
  });
});
