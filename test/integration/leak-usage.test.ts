/**
 * Leak loops over the documented usages (issue 15, item 7): each is run many times the way the
 * README shows it (no close() the README does not show), and the process must end with the fds,
 * child processes, named namespaces and links it started with. The README's snippets are run as
 * they are written there, taken from README.md itself.
 */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { attachContainer, detachContainer } from '../../lib/cni/index.js';
import { runChild } from '../helpers/run-child.js';
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
 * A README snippet (the code block after `<!-- consumer-check: NAME ... -->`) as a module with a
 * `run()` function: its imports kept (netns-rtnl resolved to the package's entry), its body
 * wrapped, TypeScript's `await using` compiled for Node 20, and console.log silenced.
 */
function readmeSnippet(dir: string, marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- consumer-check: ${marker}`);
  if (at < 0) throw new Error(`README.md has no snippet marked ${marker}`);
  const code = /```(?:ts|js)\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  const lines = code.split('\n');
  const imports = lines.filter((l) => l.startsWith('import ')).map((l) => l.replace("'netns-rtnl'", JSON.stringify(pathToFileURL(join(ROOT, 'dist/bundle/index.js')).href)));
  const body = lines.filter((l) => !l.startsWith('import ')).join('\n');
  const source = `${imports.join('\n')}\nexport async function run() {\nconst console = { log() {} };\n${body}\n}\n`;
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(dir, `${marker.replace(/\W/g, '-')}.mjs`);
  writeFileSync(file, js);
  return file;
}

// Runs a snippet module `cycles` times after one warm-up and prints what the process held before and after.
const SNIPPET_LOOP = `
  import { readdirSync, readFileSync } from 'node:fs';
  const { run } = await import(process.env.SNIPPET);
  const { Namespace } = await import(process.env.INDEX);
  const host = Namespace.current();
  const snapshot = async () => {
    const hostLinks = (await host.links()).map((l) => l.name).sort();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    const children = readdirSync('/proc/self/task').reduce((n, t) => n + readFileSync('/proc/self/task/' + t + '/children', 'utf8').trim().split(/\\s+/).filter(Boolean).length, 0);
    return { fds: readdirSync('/proc/self/fd').length, children, netns: Namespace.list(), hostLinks };
  };
  await run();
  const before = await snapshot();
  for (let i = 0; i < Number(process.env.CYCLES); i++) await run();
  console.log(JSON.stringify({ before, after: await snapshot() }));
  host.close();
`;

/**
 * The README's snippets build the article's part 1 with fixed names ('containerns', 'veth1') and
 * talk to the container from the host, so each runs in a network + mount namespace of its own,
 * whose lo carries an address for the host side (the article's VM has one on its LAN).
 */
async function loopSnippetIsolated(file: string, cycles: number): Promise<{ before: Snapshot; after: Snapshot }> {
  const script = join(dirname(file), 'snippet-loop.mjs');
  writeFileSync(script, SNIPPET_LOOP);
  const setup = `mount -t tmpfs tmpfs /run/netns && ip link set lo up && ip addr add 192.0.2.1/32 dev lo && exec "${process.execPath}" "${script}"`;
  const r = await runChild('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', setup], {
    timeoutMs: 120_000,
    env: { ...process.env, SNIPPET: pathToFileURL(file).href, INDEX: pathToFileURL(join(ROOT, 'dist/bundle/index.js')).href, CYCLES: String(cycles) },
  });
  if (r.status !== 0) throw new Error(`snippet loop failed (${r.signal ?? r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { before: Snapshot; after: Snapshot };
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

  it.each(['src/using-it.ts', 'using-it-node20.mjs'])('README snippet %s, run as written 10 times: nothing left (namespace, veths, processes, fds)', async (marker) => {
    const { before, after } = await loopSnippetIsolated(readmeSnippet(dir, marker), 10);
    expect(after).toEqual(before);
    expect(after.netns).toEqual([]);
    expect(after.hostLinks).toEqual(['lo']);
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
