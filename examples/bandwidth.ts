/**
 * Bandwidth caps on a container, the way the CNI bandwidth plugin sets them, then measured: one
 * node with bridge br0 and two containers; c1 may send 10 Mbit/s and receive 5 Mbit/s. Both caps
 * sit on c1's host-side veth: what c1 receives leaves the node through that veth (a tbf as its
 * root qdisc); what c1 sends arrives on it, and an ingress filter redirects it to an ifb device
 * shaped by a tbf of its own. A TCP transfer each way then shows the achieved rate beside the cap.
 *
 *   npm run example:bandwidth
 */
import { Bridge, Namespace, VethPair } from '../lib/index.js';
import { deleteAll, isEntryPoint, removeLeftovers, runAsProgram, type ExampleOptions } from './common/run.js';
import { measureTransfer } from './common/throughput.js';
import { ms, table } from './common/show.js';

export const CAPS = { sendBitsPerSecond: 10_000_000, receiveBitsPerSecond: 5_000_000 } as const;
/** How close to the cap a transfer must come (and how far it may exceed it) to count as shaped. */
export const TOLERANCE = 0.2;

export interface BandwidthCheck {
  direction: string;
  capBitsPerSecond: number;
  achievedBitsPerSecond: number;
  ratio: number;
  ok: boolean;
}

export interface BandwidthResult {
  ok: boolean;
  checks: BandwidthCheck[];
  namespaces: string[];
  error?: string;
  timings: { buildMs: number; transfersMs: number; teardownMs: number };
}

const mbit = (bits: number): string => `${(bits / 1e6).toFixed(2)} Mbit/s`;

export async function main(options: ExampleOptions & { seconds?: number } = {}): Promise<BandwidthResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? '';
  const names = [`${prefix}node`, `${prefix}c1`, `${prefix}c2`];
  const created: Namespace[] = [];
  const result: BandwidthResult = { ok: false, checks: [], namespaces: names, timings: { buildMs: 0, transfersMs: 0, teardownMs: 0 } };

  const removed = await removeLeftovers(names);
  if (removed.length) log(`(removed what an earlier run left: ${removed.join(', ')})`);

  log('# Bandwidth caps on container c1 (sends at most 10 Mbit/s, receives at most 5 Mbit/s)');
  log(`
   ${names[0]}: br0 10.0.0.1/24
     ├── veth-c1  root: tbf 5 Mbit/s (what c1 receives)
     │            ingress: u32 match all → mirred redirect → ifb: tbf 10 Mbit/s (what c1 sends)
     └── veth-c2
   c1: eth0 10.0.0.2/24          c2: eth0 10.0.0.3/24
`);
  const t0 = performance.now();
  try {
    const node = await Namespace.create(names[0]!);
    created.push(node);
    const br0 = await Bridge.create({ name: 'br0', namespace: node });
    await br0.addAddress('10.0.0.1/24');
    await br0.up();
    const containers: Namespace[] = [];
    for (const [i, name] of ['c1', 'c2'].entries()) {
      const c = await Namespace.create(`${prefix}${name}`);
      created.push(c);
      containers.push(c);
      const { peer } = await VethPair.create({ name: `veth-${name}`, namespace: node, master: br0, up: true, peer: { name: 'eth0', namespace: c, up: true } });
      await peer.addAddress(`10.0.0.${i + 2}/24`);
      await c.addRoute({ dst: 'default', via: '10.0.0.1' });
    }
    // The container's view turned around: its sending is the host veth's receiving.
    await node.tc.limitBandwidth('veth-c1', {
      ingress: { rate: CAPS.sendBitsPerSecond },
      egress: { rate: CAPS.receiveBitsPerSecond },
    });
    result.timings.buildMs = performance.now() - t0;
    const state = await node.tc.bandwidth('veth-c1');
    log(`built in ${ms(t0)}; on veth-c1: root ${state.egress?.kind} ${mbit(state.egress?.rate ?? 0)}, ingress redirected to ${state.ingress?.ifb} (${state.ingress?.kind} ${mbit(state.ingress?.rate ?? 0)})`);

    const [c1, c2] = containers as [Namespace, Namespace];
    const t1 = performance.now();
    const seconds = options.seconds ?? 3;
    const sent = await measureTransfer(c1, c2, '10.0.0.3', { seconds });
    const received = await measureTransfer(c2, c1, '10.0.0.2', { seconds });
    result.timings.transfersMs = performance.now() - t1;
    for (const [direction, cap, transfer] of [
      ['c1 -> c2 (c1 sends)', CAPS.sendBitsPerSecond, sent],
      ['c2 -> c1 (c1 receives)', CAPS.receiveBitsPerSecond, received],
    ] as const) {
      const ratio = transfer.bitsPerSecond / cap;
      result.checks.push({ direction, capBitsPerSecond: cap, achievedBitsPerSecond: transfer.bitsPerSecond, ratio, ok: Math.abs(ratio - 1) <= TOLERANCE });
    }
    log(`\n# TCP for ${seconds} s each way (after 0.5 s of warm-up), measured at the receiver`);
    log(table(['direction', 'cap', 'achieved', 'ratio', ''], result.checks.map((c) => [c.direction, mbit(c.capBitsPerSecond), mbit(c.achievedBitsPerSecond), c.ratio.toFixed(2), c.ok ? 'ok' : `off by more than ${TOLERANCE * 100}%`])));
    result.ok = result.checks.every((c) => c.ok);
  } catch (error) {
    result.error = (error as Error).message;
    log(`failed: ${result.error}`);
  } finally {
    const t2 = performance.now();
    const errors = await deleteAll(created);
    result.timings.teardownMs = performance.now() - t2;
    if (errors.length) {
      result.ok = false;
      result.error ??= errors.map((e) => e.message).join('; ');
    }
    log(`\nremoved everything in ${ms(result.timings.teardownMs)}`);
  }
  return result;
}

if (isEntryPoint(import.meta.url)) runAsProgram(main);
