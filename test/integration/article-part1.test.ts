/**
 * Acceptance: the article's part 1 with this API. A container namespace `containerns` with veth0
 * (10.0.0.2/24) inside and veth1 outside, lo up, a route to 10.0.0.2 via veth1 outside, a default
 * route inside via veth0, and a TCP connection from outside to a server spawned inside.
 * "Outside" is a namespace standing for the host (it-part1-host), so the sandbox's root namespace
 * is left alone; like a real host it has an address of its own (192.168.56.10, on lo here), which
 * the container's replies go back to through its default route.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { collect, ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`article-part1: ${integrationSkipReason}`);

const SERVER = `
const net = require('node:net');
const server = net.createServer((socket) => {
  socket.setEncoding('utf8');
  socket.once('data', (line) => {
    socket.end('hello ' + socket.remoteAddress + ' from ' + socket.localAddress + ', you sent ' + line.trim() + '\\n');
    server.close();
  });
});
server.listen(8080, '10.0.0.2', () => console.log('ready'));
setTimeout(() => process.exit(3), 15000).unref();
`;

const CLIENT = `
const net = require('node:net');
const socket = net.connect({ host: '10.0.0.2', port: 8080, timeout: 5000 }, () => socket.write('ping\\n'));
let reply = '';
socket.setEncoding('utf8');
socket.on('data', (d) => (reply += d));
socket.on('end', () => { process.stdout.write(reply); process.exit(0); });
socket.on('timeout', () => { console.error('timeout'); process.exit(2); });
socket.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

/** Resolves when the child prints `word` on stdout; rejects on exit or after `ms`. */
async function waitFor(child: ChildProcess, word: string, ms: number): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(word)} within ${ms} ms (got ${JSON.stringify(seen)})`)), ms);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      seen += d;
      if (seen.includes(word)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${JSON.stringify(word)}`));
    });
  });
}

describe.skipIf(!canRunIntegration)("article part 1: a container's network by hand", () => {
  const namespaces: Namespace[] = [];
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGKILL');
        await once(child, 'exit');
      }
    }
    for (const ns of namespaces) await ns.delete();
    expect(Namespace.list().filter((n) => n === 'containerns' || n === 'it-part1-host')).toEqual([]);
  });

  it('builds the topology and a TCP connection from the host to a server in the container succeeds', async () => {
    const host = await Namespace.create('it-part1-host');
    namespaces.push(host);
    const container = await Namespace.create('containerns');
    namespaces.push(container);

    // ip link add veth1 type veth peer name veth0 netns containerns (one request)
    const { link: veth1, peer: veth0 } = await VethPair.create({ name: 'veth1', namespace: host, peer: { name: 'veth0', namespace: container } });
    // inside: ip addr add 10.0.0.2/24 dev veth0; ip link set veth0 up; ip link set lo up
    await veth0.addAddress('10.0.0.2/24');
    await veth0.up();
    await (await container.link('lo')).up();
    // The host has an address of its own (a real one would have it on eth0): replies go to it.
    const hostLo = await host.link('lo');
    await hostLo.up();
    await hostLo.addAddress('192.168.56.10/32');
    // outside: ip link set veth1 up; ip route add 10.0.0.2 dev veth1
    await veth1.up();
    await host.addRoute({ dst: '10.0.0.2', dev: 'veth1' });
    // inside: ip route add default via veth0
    await container.addRoute({ dst: 'default', dev: 'veth0' });

    // Checked through our dumps and through iproute2.
    expect((await container.links()).map((l) => [l.name, l.isUp])).toEqual([['lo', true], ['veth0', true]]);
    expect((await host.links()).map((l) => l.name)).toEqual(['lo', 'veth1']);
    expect((await veth0.addresses()).filter((a) => a.family === 4).map((a) => a.cidr)).toEqual(['10.0.0.2/24']);
    const hostRoutes = ipJson(host, ['-4', 'route', 'show']) as Json[];
    expect(hostRoutes).toEqual([expect.objectContaining({ dst: '10.0.0.2', dev: 'veth1', scope: 'link' })]);
    const containerRoutes = (ipJson(container, ['-4', 'route', 'show']) as Json[]).map((r) => [r.dst, r.dev]);
    expect(containerRoutes).toEqual([['default', 'veth0'], ['10.0.0.0/24', 'veth0']]);
    expect((await container.routes({ family: 4 })).map((r) => r.dst)).toEqual(['default', '10.0.0.0/24']);

    // A server inside, a client outside.
    const server = container.spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    const serverExited = once(server, 'exit');
    await waitFor(server, 'ready', 10_000);
    const client = host.spawn(process.execPath, ['-e', CLIENT], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(client);
    const result = await collect(client, 10_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hello 192.168.56.10 from 10.0.0.2, you sent ping\n');
    const [serverExit] = (await Promise.race([
      serverExited,
      new Promise((_, reject) => setTimeout(() => reject(new Error('server did not exit after answering')), 5_000)),
    ])) as [number | null];
    expect(serverExit).toBe(0);
  });
});
