/**
 * What an injected logger receives: lifecycle at info (monitors, NAT, CNI ADD and DEL), each change
 * request at debug with { netns, op, dev, ms } (and `code` when it failed), frames at trace; and
 * that nothing is written without a logger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { attachContainer, detachContainer, type BridgeNetConf } from '../../lib/cni/index.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { CNI_PATH } from './cni-helpers.js';

const P = `it-log-${process.pid}-`;

type LogRecord = Record<string, unknown> & { level: number; msg: string };
const TRACE = 10;
const DEBUG = 20;
const INFO = 30;

/** A pino logger at `level` writing its records, parsed, into `records`. */
function captured(level: string): { logger: pino.Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level }, { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) });
  return { logger, records };
}

describe.skipIf(!canRunIntegration)('logging', () => {
  let dir: string;
  const made: Namespace[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'it-log-'));
  });

  afterEach(async () => {
    for (const ns of made.splice(0)) if (!ns.closed) await ns.delete();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('a namespace logs its lifetime at info: created, opened, closed, deleted', async () => {
    const { logger, records } = captured('info');
    const ns = await Namespace.create(`${P}life`, { logger });
    const again = await Namespace.open(`${P}life`, { logger });
    again.close();
    again.close();
    await ns.delete({ waitForDevices: true });
    expect(records.map((r) => [r.op, r.msg, r.netns])).toEqual([
      ['netns.create', 'namespace created', `${P}life`],
      ['netns.open', 'namespace opened', `${P}life`],
      ['netns.close', 'namespace closed', `${P}life`],
      ['netns.delete', 'namespace deleted', `${P}life`],
    ]);
    expect(records[0]).toMatchObject({ level: INFO, ms: expect.any(Number) });
    expect(records[3]).toMatchObject({ level: INFO, waitForDevices: true, ms: expect.any(Number) });
  });

  it('each change request is logged at debug with { netns, op, dev, ms }, and a failure with its code', async () => {
    const { logger, records } = captured('debug');
    const ns = await Namespace.create(`${P}seq`, { logger });
    made.push(ns);
    const { link } = await VethPair.create({ name: 's0', namespace: ns, peer: { name: 's1', namespace: ns } });
    await ns.addAddress('s0', '10.81.0.1/24');
    const dup = await ns.addAddress('s0', '10.81.0.1/24').catch((e: unknown) => e);
    expect(dup).toMatchObject({ code: 'EEXIST' });
    await link.up();
    await ns.addRoute({ dst: '10.82.0.0/24', via: '10.81.0.2', dev: 's0' });
    await ns.deleteRoute({ dst: '10.82.0.0/24', dev: link.index });
    await ns.addRoutes([{ dst: '10.83.0.0/24', dev: link.index }, { dst: '10.83.0.0/24', dev: link.index }]);
    await ns.batch([{ do: 'address delete', address: { dev: 's0', cidr: '10.81.0.1/24' } }, { do: 'link delete', dev: 's1' }]);
    const changes = records.filter((r) => r.level === DEBUG && typeof r.op === 'string');
    expect(changes.map((r) => [r.op, r.dev, r.code, r.batch])).toEqual([
      ['link.add', 's0', undefined, undefined],
      ['addr.add', 's0', undefined, undefined],
      ['addr.add', 's0', 'EEXIST', undefined],
      ['link.set', 's0', undefined, undefined],
      ['route.add', 's0', undefined, undefined],
      ['route.del', link.index, undefined, undefined],
      ['route.add', link.index, undefined, 2],
      ['route.add', link.index, 'EEXIST', 2],
      ['addr.del', 's0', undefined, 2],
      ['link.del', 's1', undefined, 2],
    ]);
    for (const r of changes) {
      expect(r).toMatchObject({ netns: `${P}seq`, msg: r.code === undefined ? r.op : `${r.op} failed` });
      expect(r.ms).toBeGreaterThan(0);
    }
    expect(changes[2]!.err).toMatchObject({ type: 'NetlinkError', message: expect.stringContaining('EEXIST') });
    expect(records.filter((r) => r.level < DEBUG)).toEqual([]);
  });

  it('at trace the frames come too, one record each way, with the namespace', async () => {
    const { logger, records } = captured('trace');
    const ns = await Namespace.create(`${P}trace`, { logger });
    made.push(ns);
    await ns.rtnl.link('lo');
    const frames = records.filter((r) => r.level === TRACE).map((r) => r.msg);
    expect(frames).toEqual([expect.stringMatching(/^send RTM_GETLINK/), expect.stringMatching(/^recv RTM_NEWLINK/)]);
    expect(records.filter((r) => r.level === TRACE).every((r) => r.netns === `${P}trace`)).toBe(true);
  });

  it('a monitor logs its start and its stop at info, with the namespace and its groups', async () => {
    const { logger, records } = captured('info');
    const ns = await Namespace.create(`${P}mon`, { logger });
    made.push(ns);
    const monitor = ns.monitor({ groups: ['link', 'ipv4-ifaddr'] });
    monitor.close();
    const ours = records.filter((r) => r.msg.startsWith('monitor'));
    expect(ours).toEqual([
      expect.objectContaining({ level: INFO, msg: 'monitor started', op: 'monitor.start', netns: `${P}mon`, monitor: true, groups: ['link', 'ipv4-ifaddr'], replay: false }),
      expect.objectContaining({ level: INFO, msg: 'monitor stopped', op: 'monitor.stop', netns: `${P}mon`, monitor: true }),
    ]);
  });

  it('NAT logs each rule set up and torn down at info, with the time taken', async () => {
    const { logger, records } = captured('info');
    const ns = await Namespace.create(`${P}nat`, { logger });
    made.push(ns);
    await ns.nat.masquerade({ source: '10.77.0.0/24', owner: 'test' });
    await ns.nat.masquerade({ source: '10.77.0.0/24', owner: 'test' });
    expect(await ns.nat.remove()).toBe(1);
    await ns.nat.publish({ port: 8080, to: '10.77.0.2:80', hairpin: false });
    expect(await ns.nat.unpublish()).toBe(1);
    const nat = records.filter((r) => typeof r.op === 'string' && r.op.startsWith('nat.'));
    expect(nat.map((r) => [r.op, r.msg, r.added ?? r.removed])).toEqual([
      ['nat.masquerade', 'masquerade set up', true],
      ['nat.masquerade', 'masquerade already set up', false],
      ['nat.remove', 'masquerade torn down', 1],
      ['nat.publish', 'port published', undefined],
      ['nat.unpublish', 'ports unpublished', 1],
    ]);
    for (const r of nat) expect(r).toMatchObject({ level: INFO, netns: `${P}nat`, ms: expect.any(Number) });
    expect(nat[0]!.rule).toContain('10.77.0.0/24');
    expect(nat[3]!.port).toContain('10.77.0.2');
  });

  it('CNI ADD and DEL log their outcome at info: the attachment, its addresses, the time, or the CNI code', async () => {
    const { logger, records } = captured('info');
    const host = await Namespace.create(`${P}host`);
    const container = await Namespace.create(`${P}ctr`);
    made.push(container, host);
    const conf: BridgeNetConf = {
      cniVersion: '1.0.0', name: 'it-log-net', type: 'cni-bridge', bridge: 'it-log-br0', ipMasq: true,
      ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir: join(dir, 'ipam') },
    };
    const options = { netns: container.path, ifname: 'eth0', containerId: 'ctr-log', cniPath: CNI_PATH, host: host.path, logger };
    const result = await attachContainer(conf, options);
    const again = await attachContainer(conf, { ...options, containerId: 'ctr-log-2' }).catch((e: unknown) => e);
    expect(again).toMatchObject({ name: 'CniError' });
    await detachContainer(conf, options);
    const cni = records.filter((r) => typeof r.op === 'string' && r.op.startsWith('cni.'));
    const attachment = { network: 'it-log-net', ifname: 'eth0', ms: expect.any(Number) };
    expect(cni).toEqual([
      expect.objectContaining({ level: INFO, msg: 'CNI ADD done', op: 'cni.add', containerId: 'ctr-log', ips: [result.ips![0]!.address], ...attachment }),
      expect.objectContaining({ level: INFO, msg: 'CNI ADD failed', op: 'cni.add', containerId: 'ctr-log-2', code: (again as { cniCode: number }).cniCode, ...attachment }),
      expect.objectContaining({ level: INFO, msg: 'CNI DEL done', op: 'cni.del', containerId: 'ctr-log', ...attachment }),
    ]);
    // The NAT rule the attachment set up, logged by the host's NAT.
    expect(records.find((r) => r.op === 'nat.masquerade' && r.added === true)).toMatchObject({ netns: host.path });
    expect(records.some((r) => r.level < INFO)).toBe(false);
  });

  it('nothing is written without a logger', async () => {
    const writes = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    const consoles = (['log', 'info', 'debug', 'warn', 'error', 'trace'] as const).map((m) => vi.spyOn(console, m));
    try {
      const ns = await Namespace.create(`${P}quiet`);
      made.push(ns);
      const monitor = ns.monitor({ groups: ['link'] });
      await VethPair.create({ name: 'q0', namespace: ns, peer: { name: 'q1', namespace: ns } });
      await ns.addAddress('q0', '10.79.0.1/24');
      await ns.addAddress('q0', '10.79.0.1/24').catch(() => undefined);
      await ns.nat.masquerade({ source: '10.79.0.0/24' });
      await ns.nat.remove();
      monitor.close();
      await ns.delete();
      for (const spy of [...writes, ...consoles]) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of [...writes, ...consoles]) spy.mockRestore();
    }
  });

  it('a logger at info gets no debug record', async () => {
    const { logger, records } = captured('info');
    const ns = await Namespace.create(`${P}info`, { logger });
    made.push(ns);
    await VethPair.create({ name: 'i0', namespace: ns, peer: { name: 'i1', namespace: ns } });
    await ns.addAddress('i0', '10.80.0.1/24');
    expect(records.filter((r) => r.level < INFO)).toEqual([]);
  });
});
