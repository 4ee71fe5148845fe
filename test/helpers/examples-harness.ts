/**
 * What the example integration tests (test/integration/examples-*.test.ts) share: running an
 * example with its log captured, checking that it left nothing behind, and the cluster's
 * reachability matrix. Types only from examples/, so that loading this runs no example code.
 */
import { expect } from 'vitest';
import { Namespace } from '../../lib/index.js';
import type { ClusterResult, NODES } from '../../examples/cluster.js';
import { integrationSkipReason } from './sandbox.js';

/** Says on the console why the suite `name` skips, when it does. */
export function reportSkip(name: string): void {
  if (integrationSkipReason !== undefined) console.log(`${name}: ${integrationSkipReason}`);
}

/** The names of the links of the namespace the tests run in, sorted. */
export async function rootLinkNames(): Promise<string[]> {
  const here = Namespace.current();
  try {
    return (await here.links()).map((l) => l.name).sort();
  } finally {
    here.close();
  }
}

/** An example's result with the lines it logged, and those lines joined. */
export interface LoggedRun<R> {
  result: R;
  lines: string[];
  output: string;
}

/** Runs an example with a log that collects its lines. */
export async function runLogged<R>(run: (log: (line: string) => void) => Promise<R>): Promise<LoggedRun<R>> {
  const lines: string[] = [];
  const result = await run((line) => lines.push(line));
  return { result, lines, output: lines.join('\n') };
}

/** No namespace named with `prefix` is left. */
export function expectNoNamespacesLeft(prefix: string): void {
  expect(Namespace.list().filter((n) => n.startsWith(prefix))).toEqual([]);
}

/** No namespace named with `prefix` is left, and the root namespace has the links it had before. */
export async function expectNothingLeft(prefix: string, linksBefore: string[]): Promise<void> {
  expectNoNamespacesLeft(prefix);
  expect(await rootLinkNames()).toEqual(linksBefore);
}

/** Each of `texts` is in `output`, in this order. */
export function expectInOrder(output: string, texts: string[]): void {
  const order = texts.map((text) => {
    const i = output.indexOf(text);
    expect(i, text).toBeGreaterThanOrEqual(0);
    return i;
  });
  expect([...order].sort((a, b) => a - b)).toEqual(order);
}

type ClusterNode = (typeof NODES)[number];
type ClusterContainer = ClusterNode['containers'][number];

/**
 * The cluster's 20 checks all passed: every container reaches every other one with its own
 * address seen (`noNat` says so on failure), the internet masqueraded to its node's LAN address,
 * and its gateway.
 */
export function expectFullMatrix(
  result: ClusterResult,
  output: string,
  cluster: { nodes: readonly ClusterNode[]; internetServer: string; noNat: (from: ClusterContainer, to: ClusterContainer) => string },
): void {
  const containers = cluster.nodes.flatMap((node) => node.containers.map((c) => ({ ...c, node })));
  expect(result.error, output).toBeUndefined();
  expect(result.nat, output).toEqual({ ok: true });
  expect(result.checks).toHaveLength(20);
  expect(result.checks.filter((c) => c.kind === 'container')).toHaveLength(12);
  expect(result.checks.filter((c) => c.kind === 'internet')).toHaveLength(4);
  expect(result.checks.filter((c) => c.kind === 'gateway')).toHaveLength(4);
  // Every cell, with the source address the far end saw.
  for (const from of containers) {
    for (const to of containers) {
      if (to === from) continue;
      const check = result.checks.find((c) => c.kind === 'container' && c.from === from.name && c.to === to.name);
      expect(check, `${from.name} -> ${to.name}`).toBeDefined();
      expect(check!.ok, `${from.name} -> ${to.name}: ${check!.error}\n${output}`).toBe(true);
      expect(check!.address).toBe(to.ip);
      expect(check!.seen, cluster.noNat(from, to)).toBe(from.ip);
    }
    const internet = result.checks.find((c) => c.kind === 'internet' && c.from === from.name)!;
    expect(internet.ok, `${from.name} -> internet: ${internet.error}\n${output}`).toBe(true);
    expect(internet.address).toBe(cluster.internetServer);
    expect(internet.seen, 'masqueraded to the node LAN address').toBe(from.node.lanIp);
    const gateway = result.checks.find((c) => c.kind === 'gateway' && c.from === from.name)!;
    expect(gateway.ok, `${from.name} -> gateway: ${gateway.error}`).toBe(true);
    expect(gateway.address).toBe(from.node.gateway);
    expect(gateway.seen).toBe(from.ip);
  }
  expect(result.ok, output).toBe(true);
  expect(output).toContain('20/20 checks passed');
}
