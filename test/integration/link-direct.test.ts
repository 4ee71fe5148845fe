/**
 * Link.up(), down(), setPromiscuous(), addAddress() and deleteAddress() write their request straight
 * into the namespace's send buffer (lib/rtnl/apply.ts's setLinkFlag and changeAddressOn): what the
 * kernel then holds, their errors and their debug records, one at a time and concurrently.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Namespace, NetlinkError, VethPair, type Link } from '../../lib/index.js';
import { IFF_PROMISC } from '../../messages/link/index.js';
import { canRunIntegration } from '../helpers/sandbox.js';

const P = `it-direct-${process.pid}-`;
type LogRecord = Record<string, unknown> & { level: number };

describe.skipIf(!canRunIntegration)('link flag and address changes sent straight', () => {
  let ns: Namespace;
  const records: LogRecord[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) });
    ns = await Namespace.create(`${P}a`, { logger });
  });
  afterAll(async () => {
    await ns?.delete();
  });

  /** The link as the kernel has it now, read again. */
  const read = (link: Link) => ns.link(link.index);

  it('up, down and promiscuous mode, one at a time: the kernel and the Link agree', async () => {
    const { link, peer } = await VethPair.create({ name: 'd0', namespace: ns, peer: { name: 'd1' } });
    expect(await link.up()).toBe(link);
    await peer.up();
    expect([link.isUp, (await read(link)).isUp, (await read(peer)).isUp]).toEqual([true, true, true]);
    await link.setPromiscuous(true);
    expect([link.isPromiscuous, (await read(link)).isPromiscuous, link.isUp]).toEqual([true, true, true]);
    await link.setPromiscuous(false);
    await link.down();
    const now = await read(link);
    expect([link.isUp, link.isPromiscuous, now.isUp, now.flags & IFF_PROMISC]).toEqual([false, false, false, 0]);
    await expect(link.setPromiscuous('yes' as never)).rejects.toThrow(InvalidArgumentError);
  });

  it('many links up and many addresses added concurrently, then deleted', async () => {
    const pairs = await Promise.all(Array.from({ length: 12 }, (_, i) => VethPair.create({ name: `c${i}a`, namespace: ns, peer: { name: `c${i}b` } })));
    const ends = pairs.flatMap((p) => [p.link, p.peer]);
    await Promise.all(ends.map((l) => l.up()));
    expect((await ns.links({ kind: 'veth' })).filter((l) => l.name.startsWith('c') && l.isUp)).toHaveLength(24);
    const cidrs = ends.map((_, i) => `10.90.${i}.1/24`);
    await Promise.all(ends.map((l, i) => l.addAddress(cidrs[i]!, i % 2 === 0 ? { metric: 10 + i } : undefined)));
    const held = await ns.addresses({ family: 4 });
    for (const [i, l] of ends.entries()) expect(held.filter((a) => a.dev === l.index).map((a) => a.cidr)).toEqual([cidrs[i]]);
    await Promise.all(ends.map((l, i) => l.deleteAddress(cidrs[i]!)));
    expect((await ns.addresses({ family: 4 })).filter((a) => a.cidr.startsWith('10.90.'))).toEqual([]);
  });

  it("the kernel's refusals: the same errors, codes and words as through the namespace", async () => {
    const { link } = await VethPair.create({ name: 'e0', namespace: ns, peer: { name: 'e1' } });
    await link.addAddress('10.91.0.1/24');
    const twice = await link.addAddress('10.91.0.1/24').catch((e: unknown) => e);
    const viaNamespace = await ns.addAddress('e0', '10.91.0.1/24').catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(NetlinkError);
    expect((twice as NetlinkError).code).toBe('EEXIST');
    expect((twice as Error).message.startsWith(`RTM_NEWADDR 10.91.0.1/24 dev e0 in netns ${P}a: EEXIST`)).toBe(true);
    // The kernel's extended ACK message comes with it, as through the namespace's own call.
    expect([(twice as Error).constructor, (twice as Error).message]).toEqual([(viaNamespace as Error).constructor, (viaNamespace as Error).message]);
    const absent = await link.deleteAddress('10.91.0.9/24').catch((e: unknown) => e);
    expect((absent as NetlinkError).code).toBe('EADDRNOTAVAIL');
    expect((absent as Error).message).toContain('RTM_DELADDR 10.91.0.9/24 dev e0 ');
    // Refused before anything is sent: nothing reaches the kernel.
    await expect(link.addAddress('10.91.0.300/24')).rejects.toThrow(InvalidArgumentError);
    await expect(link.addAddress('10.91.0.2/24', { scope: 'galaxy' as never })).rejects.toThrow(InvalidArgumentError);
    expect((await ns.addresses({ dev: 'e0', family: 4 })).map((a) => a.cidr)).toEqual(['10.91.0.1/24']);
    await link.delete();
    const gone = await link.up().catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NetlinkError);
    expect((gone as NetlinkError).code).toBe('ENODEV');
    expect((gone as Error).message.startsWith(`RTM_NEWLINK set e0 up true in netns ${P}a: ENODEV`)).toBe(true);
    expect(link.isUp).toBe(false);
    const goneAddress = await link.addAddress('10.91.1.1/24').catch((e: unknown) => e);
    expect((goneAddress as NetlinkError).code).toBe('ENODEV');
  });

  it('each change is logged at debug as the namespace logs it', async () => {
    const { link } = await VethPair.create({ name: 'g0', namespace: ns, peer: { name: 'g1' } });
    records.length = 0;
    await link.up();
    await link.addAddress('10.92.0.1/24');
    await link.addAddress('10.92.0.1/24').catch(() => undefined);
    await link.deleteAddress('10.92.0.1/24');
    await link.setPromiscuous(true);
    const changes = records.filter((r) => typeof r.op === 'string');
    expect(changes.map((r) => [r.op, r.dev, r.code, r.netns])).toEqual([
      ['link.set', 'g0', undefined, `${P}a`],
      ['addr.add', 'g0', undefined, `${P}a`],
      ['addr.add', 'g0', 'EEXIST', `${P}a`],
      ['addr.del', 'g0', undefined, `${P}a`],
      ['link.set', 'g0', undefined, `${P}a`],
    ]);
    for (const r of changes) expect(r.ms).toEqual(expect.any(Number));
  });
});
