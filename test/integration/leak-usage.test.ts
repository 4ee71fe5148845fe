/**
 * Leak loops over the documented usages (issue 15, item 7): each is run many times the way the
 * README shows it (no close() the README does not show), and the process must end with the fds,
 * child processes, named namespaces and links it started with. The README's "Using it" snippet is
 * run as it is written there, taken from README.md itself.
 */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { attachContainer, detachContainer } from '../../lib/cni/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`leak-usage: ${integrationSkipReason}`);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const P = 'it-lku-';

interface Snapshot {
  fds: number;
  children: number;
  netns: string[];
  hostLinks: string[];
}

async function settled(): Promise<void> {
  // A namespace opened for itself releases its socket and fd one event-loop turn after its last request.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function snapshot(host: Namespace): Promise<Snapshot> {
  // First: the first call opens host's socket, which must be counted both times.
  const hostLinks = (await host.links()).map((l) => l.name).sort();
  await settled();
  const children = readdirSync('/proc/self/task').reduce((n, task) => n + readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length, 0);
  return {
    fds: readdirSync('/proc/self/fd').length,
    children,
    netns: Namespace.list().filter((n) => n.startsWith(P) || n === 'containerns').sort(),
    hostLinks,
  };
}

/**
 * The README's "Using it" block as a function: its imports kept (netns-rtnl resolved to the
 * package's entry), its body wrapped, TypeScript's `await using` compiled for Node 20, and
 * console.log silenced.
 */
async function readmeSnippet(dir: string): Promise<() => Promise<void>> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using it'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const lines = code.split('\n');
  const imports = lines.filter((l) => l.startsWith('import ')).map((l) => l.replace("'netns-rtnl'", JSON.stringify(pathToFileURL(join(ROOT, 'dist/bundle/index.js')).href)));
  const body = lines.filter((l) => !l.startsWith('import ')).join('\n');
  const source = `${imports.join('\n')}\nexport async function run(console) {\n${body}\n}\n`;
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(dir, 'readme-using-it.mjs');
  writeFileSync(file, js);
  const mod = (await import(pathToFileURL(file).href)) as { run: (c: { log: () => void }) => Promise<void> };
  return () => mod.run({ log: () => undefined });
}

describe.skipIf(!canRunIntegration)('leak loops over the documented usages', () => {
  let host: Namespace;
  let other: Namespace;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'it-lku-'));
    host = Namespace.current();
    other = await Namespace.create(`${P}other`);
    await (await other.link('lo')).up();
  });

  afterAll(async () => {
    await other?.delete();
    host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `usage` once to warm up, then `cycles` times, and compares what the process holds. */
  async function loop(cycles: number, usage: (i: number) => Promise<void>): Promise<void> {
    await usage(-1);
    const before = await snapshot(host);
    for (let i = 0; i < cycles; i++) await usage(i);
    const after = await snapshot(host);
    expect(after).toEqual(before);
  }

  it("README 'Using it', run as written: nothing left (namespace, veths, processes, fds)", async () => {
    const run = await readmeSnippet(dir);
    await loop(10, run);
    expect(Namespace.list()).not.toContain('containerns');
    expect(await host.findLink('veth1')).toBeUndefined();
  });

  it('VethPair.create without namespace, the pair destructured and never closed (2 fds per pair before)', async () => {
    await loop(200, async () => {
      const { link, peer } = await VethPair.create({ name: 'lku-a', peer: { name: 'lku-b', namespace: other } });
      await link.up();
      await settled(); // idle: the current namespace's socket is let go, and opened again below
      await link.setMtu(1400);
      await peer.delete();
    });
  });

  it('Namespace.current() and Namespace.create with `await using`', async () => {
    await loop(300, async (i) => {
      await using here = Namespace.current();
      await here.links();
      await using ns = await Namespace.create(`${P}u`, { deleteOnDispose: true });
      await (await ns.link('lo')).up();
      if (i % 2) ns.sysctl('net.ipv4.ip_forward', '1');
    });
  });

  it('monitor ended by break and by an AbortSignal', async () => {
    await loop(100, async (i) => {
      const monitor = other.monitor({ groups: ['link'] });
      const lo = await other.link('lo');
      await lo.setMtu(65000 + (i & 1));
      for await (const event of monitor) if (event.kind === 'link') break;
      const abort = new AbortController();
      const aborted = other.monitor({ groups: ['link'], signal: abort.signal });
      abort.abort();
      for await (const event of aborted) expect(event).toBeUndefined();
    });
  });

  it('TCP in a namespace: listen, connect, end, close', async () => {
    await loop(200, async () => {
      const server = await other.listen({ host: '127.0.0.1' }, (s) => s.end('hi'));
      const { port } = server.address() as { port: number };
      const socket = await other.connect({ host: '127.0.0.1', port });
      socket.resume();
      await once(socket, 'end');
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
  });

  it('NAT: masquerade and remove through ns.nat, the namespace closed by `await using`', async () => {
    await loop(50, async () => {
      await using ns = await Namespace.create(`${P}nat`, { deleteOnDispose: true });
      await ns.nat.masquerade({ source: '10.0.0.0/24' });
      expect((await ns.nat.rules()).length).toBe(1);
      await ns.nat.remove();
    });
  });

  it('CNI in process: attachContainer and detachContainer', async () => {
    const conf = { cniVersion: '1.0.0', name: 'lku', type: 'cni-bridge', bridge: 'lku-br', ipam: { type: 'host-local', subnet: '10.79.0.0/24', dataDir: join(dir, 'ipam') } };
    const cniPath = '/usr/lib/cni';
    await using container = await Namespace.create(`${P}cni`, { deleteOnDispose: true });
    await loop(20, async () => {
      await attachContainer(conf, { netns: container.path, ifname: 'eth0', containerId: 'lku1', cniPath });
      await detachContainer(conf, { netns: container.path, ifname: 'eth0', containerId: 'lku1', cniPath });
    });
  });
});
