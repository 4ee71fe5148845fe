/**
 * Hostile paths (issue 15, items 4 and 12): what Namespace.open accepts as a network namespace,
 * without blocking on a FIFO or opening a device; and delete() / the `dir` option, which must not
 * follow links we did not make or change mounts we do not own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace } from '../../lib/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`namespace-paths: ${integrationSkipReason}`);

const P = 'it-paths-';
const DIST = fileURLToPath(new URL('../../dist/lib/', import.meta.url));

interface Outcome {
  path: string;
  ok: boolean;
  name?: string;
  field?: string;
  message?: string;
  /** For the CNI attempt: links in the host namespace afterwards. */
  hostLinks?: string[];
}

/**
 * Opens each path with Namespace.open({ path }) (or, for `name:NAME`, by name) and, for paths,
 * attaches a container there with the CNI engine (host: `cniHost`), in a child process: before the
 * fix a FIFO blocked the process for good, so the child is killed after 20 s and the test fails
 * instead of hanging.
 */
function openInChild(refs: string[], cniHost: string): Outcome[] {
  const code = `
    const { Namespace } = await import(${JSON.stringify(join(DIST, 'index.js'))});
    const { attachContainer } = await import(${JSON.stringify(join(DIST, 'cni/index.js'))});
    const out = [];
    for (const path of JSON.parse(process.env.PATHS)) {
      const byName = path.startsWith('name:');
      try {
        const ns = await Namespace.open(byName ? path.slice(5) : { path });
        out.push({ path, ok: true });
        ns.close();
      } catch (e) {
        out.push({ path, ok: false, name: e.name, field: e.field, message: e.message });
      }
      if (byName) continue;
      const conf = { cniVersion: '1.0.0', name: 'it-paths', type: 'cni-bridge', bridge: 'it-paths-br' };
      const host = await Namespace.open({ path: process.env.CNI_HOST });
      const attach = await attachContainer(conf, { netns: path, ifname: 'eth0', containerId: 'c1', host }).then(() => 'attached', (e) => e.message);
      out.push({ path: 'cni:' + path, ok: attach === 'attached', message: attach, hostLinks: (await host.links()).map((l) => l.name) });
      host.close();
    }
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PATHS: JSON.stringify(refs), CNI_HOST: cniHost },
  });
  if (r.status !== 0) throw new Error(`child ${r.signal ? `killed by ${r.signal} (blocked?)` : `exited ${r.status}`}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

describe.skipIf(!canRunIntegration)('Namespace paths', () => {
  let dir: string;
  let server: Server;
  let netns: Namespace;
  let host: Namespace;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'it-paths-'));
    netns = await Namespace.create(`${P}real`);
    host = await Namespace.create(`${P}cnihost`);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'socket'), resolve));
    execFileSync('mknod', [join(dir, 'block'), 'b', '7', '250']);
    writeFileSync(join(dir, 'empty'), '');
    symlinkSync(join(dir, 'fifo'), join(dir, 'link-to-fifo'));
    symlinkSync('/proc/self/ns/mnt', join(dir, 'link-to-mnt'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    symlinkSync(netns.path, join(dir, 'link-to-netns'));
  });

  afterAll(async () => {
    server?.close();
    await netns?.delete();
    await host?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every file that is not a network namespace, saying what it is, without blocking; CNI creates nothing', () => {
    const refused: Array<[string, RegExp]> = [
      [join(dir, 'fifo'), /is a FIFO, not a network namespace/],
      [join(dir, 'socket'), /is a socket/],
      ['/dev/null', /is a character device/],
      [join(dir, 'block'), /is a block device/],
      [dir, /is a directory/],
      ['/etc/passwd', /is a regular file/],
      [join(dir, 'empty'), /is an empty regular file/],
      ['/proc/self/ns/mnt', /is a mount namespace/],
      ['/proc/self/ns/uts', /is a UTS namespace/],
      ['/proc/self/ns/user', /is a user namespace/],
      ['/proc/self/ns/pid', /is a PID namespace/],
      [join(dir, 'link-to-fifo'), /is a FIFO/],
      [join(dir, 'link-to-mnt'), /is a mount namespace/],
      [join(dir, 'dangling'), /does not exist/],
      [join(dir, 'loop-a'), /symlink loop/],
    ];
    const accepted = ['/proc/self/ns/net', join(dir, 'link-to-netns'), netns.path];
    const outcomes = openInChild([...refused.map(([p]) => p), ...accepted], host.path);
    const byPath = new Map(outcomes.map((o) => [o.path, o]));
    for (const [path, reason] of refused) {
      const o = byPath.get(path)!;
      expect(o.ok, path).toBe(false);
      expect(o.name, path).toBe('InvalidArgumentError');
      expect(o.field, path).toBe('namespace');
      expect(o.message, path).toMatch(reason);
      // The CNI engine opens CNI_NETNS before it creates anything: no bridge, no veth.
      const cni = byPath.get(`cni:${path}`)!;
      expect(cni.ok, path).toBe(false);
      expect(cni.message, path).toMatch(/failed to open netns/);
      expect(cni.hostLinks, path).toEqual(['lo']);
    }
    for (const path of accepted) expect(byPath.get(path)!.ok, path).toBe(true);
  });

  it('open by name of a FIFO or a regular file in the netns directory is refused at once', () => {
    execFileSync('mkfifo', [`/run/netns/${P}fifo`]);
    writeFileSync(`/run/netns/${P}file`, 'not a namespace');
    try {
      for (const o of openInChild([`name:${P}fifo`, `name:${P}file`], host.path)) {
        expect(o.name, o.path).toBe('InvalidArgumentError');
        expect(o.message, o.path).toMatch(/is a (FIFO|regular file), not a network namespace/);
      }
    } finally {
      rmSync(`/run/netns/${P}fifo`);
      rmSync(`/run/netns/${P}file`);
    }
  });

  it('delete() of a /run/netns entry that is a symlink removes the link, not the mount it points to', async () => {
    const target = await Namespace.create(`${P}target`);
    symlinkSync(target.path, `/run/netns/${P}link`);
    const viaLink = await Namespace.open(`${P}link`);
    expect(viaLink.inode).toBe(target.inode);
    await viaLink.delete();
    expect(existsSync(`/run/netns/${P}link`)).toBe(false);
    // The target is still mounted and usable by name.
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === target.path);
    expect(mounts).toHaveLength(1);
    const again = await Namespace.open(`${P}target`);
    expect(again.inode).toBe(target.inode);
    again.close();
    await target.delete();
  });

  it('a dir option: namespaces are made there, the directory is not made a mount point, delete leaves it as it was', async () => {
    const own = mkdtempSync(join(tmpdir(), 'it-paths-dir-'));
    try {
      const before = lstatSync(own);
      const ns = await Namespace.create('x', { dir: own });
      expect(Namespace.list({ dir: own })).toEqual(['x']);
      expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
      await ns.delete();
      const mountpoints = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
      expect(mountpoints.filter((m) => m?.startsWith(own))).toEqual([]);
      expect(statSync(own).ino).toBe(before.ino);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
