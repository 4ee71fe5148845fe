/**
 * Publishing a container's port on its node, as `docker run -p 8080:80` does: node1 has bridge br0
 * with two containers, web (a server on port 80) and client; node2 is another machine on the LAN.
 * node1 publishes its port 8080 to web:80 with one nftables batch (DNAT in prerouting for other
 * hosts and in output for the node itself, and a masquerade for hairpin traffic), then the server
 * is reached through 192.168.56.11:8080 from node2, from node1 itself and from client, which sits
 * on the same bridge as web. Each check prints the source address the server saw.
 *
 *   npm run example:publish
 */
import type { Server } from 'node:net';
import { Bridge, Namespace, VethPair, type PublishedPort } from '../lib/index.js';
import { closeServer, probe, startProbeServer, type ProbeResult } from './common/probe.js';
import { deleteAll, isEntryPoint, removeLeftovers, runAsProgram, type ExampleOptions } from './common/run.js';
import { indent, ms, table } from './common/show.js';

export const NODE1 = { lanIp: '192.168.56.11', gateway: '10.0.1.1' } as const;
export const NODE2 = { lanIp: '192.168.56.12' } as const;
export const WEB = { ip: '10.0.1.2', port: 80 } as const;
export const CLIENT = { ip: '10.0.1.3' } as const;
export const PUBLISHED_PORT = 8080;

export interface PublishCheck extends ProbeResult {
  from: string;
  /** The source address the server should see. */
  expectSource: string;
  proves: string;
}

export interface PublishResult {
  ok: boolean;
  published?: PublishedPort;
  /** Before publishing, node2 could not reach the port (the check that it is the rules that open it). */
  closedBefore: boolean;
  checks: PublishCheck[];
  namespaces: string[];
  error?: string;
  timings: { buildMs: number; publishMs: number; checksMs: number; teardownMs: number };
}

export async function main(options: ExampleOptions = {}): Promise<PublishResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? '';
  const names = ['node1', 'node2', 'web', 'client'].map((n) => prefix + n);
  const created: Namespace[] = [];
  const servers: Server[] = [];
  const result: PublishResult = { ok: false, closedBefore: false, checks: [], namespaces: names, timings: { buildMs: 0, publishMs: 0, checksMs: 0, teardownMs: 0 } };

  const removed = await removeLeftovers(names);
  if (removed.length) log(`(removed what an earlier run left: ${removed.join(', ')})`);

  log(`# Publishing web:${WEB.port} as port ${PUBLISHED_PORT} of node1 (docker run -p ${PUBLISHED_PORT}:${WEB.port})`);
  log(`
   ${names[1]} ${NODE2.lanIp} ── LAN ── eth0 ${NODE1.lanIp} ${names[0]}
                                        br0 ${NODE1.gateway}/24, ip_forward=1
                                        ├── ${names[2]} ${WEB.ip}  server on :${WEB.port}
                                        └── ${names[3]} ${CLIENT.ip}
`);
  const t0 = performance.now();
  try {
    const [node1, node2, web, client] = await Promise.all(names.map((n) => Namespace.create(n)));
    created.push(node1!, node2!, web!, client!);
    const lan = await VethPair.create({ name: 'eth0', namespace: node1!, up: true, peer: { name: 'eth0', namespace: node2!, up: true } });
    const br0 = await Bridge.create({ name: 'br0', namespace: node1!, up: true });
    await Promise.all([
      lan.link.addAddress(`${NODE1.lanIp}/24`),
      lan.peer.addAddress(`${NODE2.lanIp}/24`),
      br0.addAddress(`${NODE1.gateway}/24`),
      ...created.map((ns) => ns.rtnl.setLink(1, { up: true })),
    ]);
    for (const [ns, ip, name] of [[web!, WEB.ip, 'web'], [client!, CLIENT.ip, 'client']] as const) {
      const pair = await VethPair.create({ name: `veth-${name}`, namespace: node1!, up: true, master: br0, peer: { name: 'eth0', namespace: ns, up: true } });
      await pair.peer.addAddress(`${ip}/24`);
      await ns.addRoute({ dst: 'default', via: NODE1.gateway });
    }
    node1!.sysctl('net.ipv4.ip_forward', 1);
    servers.push(await startProbeServer(web!, '0.0.0.0', WEB.port));
    result.timings.buildMs = performance.now() - t0;
    log(`built in ${ms(t0, t0 + result.timings.buildMs)}`);

    result.closedBefore = !(await probe(node2!, NODE1.lanIp, PUBLISHED_PORT, { timeoutMs: 500 })).ok;
    log(`before publishing, node2 → ${NODE1.lanIp}:${PUBLISHED_PORT}: ${result.closedBefore ? 'no answer (nothing listens there)' : 'answered?!'}`);

    const t1 = performance.now();
    result.published = await node1!.nat.publish({ port: PUBLISHED_PORT, to: `${WEB.ip}:${WEB.port}` });
    result.timings.publishMs = performance.now() - t1;
    const p = result.published;
    log(`\nnode1.nat.publish({ port: ${PUBLISHED_PORT}, to: '${WEB.ip}:${WEB.port}' }) in ${ms(t1, t1 + result.timings.publishMs)}: one nftables batch, rules in table netns_rtnl_nat`);
    log(indent(table(['chain', 'handle', 'rule'], [
      ['prerouting', String(p.handles.prerouting), `fib daddr type local tcp dport ${p.port} dnat to ${p.to}   (from other hosts)`],
      ['output', String(p.handles.output), `fib daddr type local tcp dport ${p.port} dnat to ${p.to}   (from node1 itself)`],
      ['postrouting', String(p.handles.postrouting), `ip saddr ${p.hairpinSource} ip daddr ${p.toAddress} tcp dport ${p.toPort} ct status dnat masquerade   (hairpin)`],
    ]), '  '));

    const t2 = performance.now();
    const plan: Array<[Namespace, string, string, string]> = [
      [node2!, 'node2', NODE2.lanIp, 'DNAT in prerouting; the client address is kept'],
      [node1!, 'node1 itself', NODE1.lanIp, 'DNAT in output, for locally generated traffic'],
      [client!, 'client (same bridge)', NODE1.gateway, 'hairpin: masqueraded to br0, so the reply comes back through node1'],
    ];
    for (const [from, name, expectSource, proves] of plan) {
      const r = await probe(from, NODE1.lanIp, PUBLISHED_PORT, { expectSource });
      result.checks.push({ ...r, from: name, expectSource, proves });
    }
    result.timings.checksMs = performance.now() - t2;
    log(`\nweb:${WEB.port} through ${NODE1.lanIp}:${PUBLISHED_PORT}:`);
    log(indent(table(['', 'from', 'result', 'server saw', 'proves'], result.checks.map((c) => [c.ok ? '✓' : '✗', c.from, c.ok ? `${c.ms.toFixed(1)} ms` : (c.error ?? 'failed'), c.seen ?? '-', c.proves])), '  '));
    const [listed] = await node1!.nat.published();
    log(`\nnode1.nat.published(): ${listed ? `tcp ${listed.port} → ${listed.to}, ${listed.packets} connections DNATed` : 'nothing?!'}`);
    result.ok = result.closedBefore && result.checks.every((c) => c.ok);
  } catch (error) {
    result.error = (error as Error).message;
    log(`\n✗ ${result.error}`);
  } finally {
    const t3 = performance.now();
    await Promise.all(servers.map(closeServer));
    const errors = await deleteAll(created);
    result.timings.teardownMs = performance.now() - t3;
    if (errors.length) {
      result.ok = false;
      result.error ??= errors.map((e) => e.message).join('; ');
    }
    log(`\ntorn down in ${ms(t3, t3 + result.timings.teardownMs)}; result: ${result.ok ? 'the published port answers from the other node, from the node and by hairpin' : 'FAILED'}`);
  }
  return result;
}

if (isEntryPoint(import.meta.url)) runAsProgram(main);
