import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Bridge, InvalidArgumentError, Namespace, NamespaceClosedError, NamespaceExistsError } from '../../lib/index.js';
import { collect, ipJson, runIn, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`namespaces: ${integrationSkipReason}`);

const P = 'it-ns-';
const created: Namespace[] = [];

async function make(suffix: string): Promise<Namespace> {
  const ns = await Namespace.create(P + suffix);
  created.push(ns);
  return ns;
}

const ipNetnsList = (): string[] => (ipJson(undefined, ['netns', 'list']) as Json[]).map((e) => e.name as string);
const ours = (names: string[]) => names.filter((n) => n.startsWith(P)).sort();

describe.skipIf(!canRunIntegration)('Namespace', () => {
  afterAll(async () => {
    for (const ns of created) {
      ns.close();
      if (existsSync(`/run/netns/${ns.name}`)) runIn(undefined, 'ip', ['netns', 'del', ns.name!]);
    }
    expect(ours(Namespace.list())).toEqual([]);
  });

  it('create: a new namespace with only lo, listed by us and by `ip netns list`, usable by `ip netns exec`', async () => {
    const ns = await make('a');
    expect(ns.name).toBe(`${P}a`);
    expect(ns.path).toBe(`/run/netns/${P}a`);
    expect(ns.inode).toBe(statSync(ns.path).ino);
    expect(ns.inode).not.toBe(statSync('/proc/self/ns/net').ino);
    expect(Namespace.list()).toContain(`${P}a`);
    expect(ipNetnsList()).toContain(`${P}a`);
    expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
    const out = runIn(undefined, 'ip', ['netns', 'exec', `${P}a`, 'ip', '-j', 'link', 'show']);
    expect((JSON.parse(out) as Json[]).map((l) => l.ifname)).toEqual(['lo']);
    // `ip netns exec` really runs in ours: a link made there shows up in our dump.
    runIn(undefined, 'ip', ['netns', 'exec', `${P}a`, 'ip', 'link', 'add', 'brx', 'type', 'bridge']);
    expect((await ns.links()).map((l) => l.name).sort()).toEqual(['brx', 'lo']);
  });

  it('create refuses an existing name unless existOk, which opens the same namespace', async () => {
    const ns = await make('exist');
    const error = await Namespace.create(`${P}exist`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NamespaceExistsError);
    expect((error as NamespaceExistsError).code).toBe('EEXIST');
    expect((error as Error).message).toMatch(/already exists.*existOk/);
    const again = await Namespace.create(`${P}exist`, { existOk: true });
    try {
      expect(again.inode).toBe(ns.inode);
      expect(again.name).toBe(ns.name);
    } finally {
      again.close();
    }
  });

  it('open by name, by path and by pid: all the same namespace', async () => {
    const ns = await make('open');
    const byName = await Namespace.open(`${P}open`);
    const byPath = await Namespace.open({ path: `/run/netns/${P}open` });
    const sleeper = ns.spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const byPid = await Namespace.open({ pid: sleeper.pid! });
      try {
        for (const other of [byName, byPath, byPid]) expect(other.inode).toBe(ns.inode);
        expect(byName.name).toBe(`${P}open`);
        expect(byPath.name).toBeUndefined();
        expect(byPid.path).toBe(`/proc/${sleeper.pid}/ns/net`);
        // Each opened object has its own socket inside the namespace.
        expect((await byPid.links()).map((l) => l.name)).toEqual(['lo']);
      } finally {
        byPid.close();
      }
    } finally {
      process.kill(sleeper.pid!, 'SIGKILL');
      byName.close();
      byPath.close();
    }
  });

  it('current() is the namespace of the calling thread', async () => {
    const here = Namespace.current();
    try {
      expect(here.name).toBeUndefined();
      expect(here.inode).toBe(statSync('/proc/self/ns/net').ino);
      expect((await here.links()).map((l) => l.name)).toContain('lo');
      expect((await here.link('lo')).index).toBe(1);
    } finally {
      here.close();
    }
  });

  it('delete unpins it: gone from the directory, from list() and from `ip netns list`; the object is closed', async () => {
    const ns = await Namespace.create(`${P}del`);
    await ns.rtnl.links(); // opens the socket, so delete has one to close
    await ns.delete();
    expect(ns.closed).toBe(true);
    expect(() => ns.fd).toThrow(NamespaceClosedError);
    await expect(ns.links()).rejects.toThrow(expect.objectContaining({ code: 'ERR_NAMESPACE_CLOSED', namespace: `netns ${P}del` }));
    expect(existsSync(`/run/netns/${P}del`)).toBe(false);
    expect(Namespace.list()).not.toContain(`${P}del`);
    expect(ipNetnsList()).not.toContain(`${P}del`);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === `/run/netns/${P}del`);
    expect(mounts).toEqual([]);
  });

  it('deleted together (Promise.all): each is unpinned, and one removed behind our back rejects alone with ENOENT', async () => {
    const names = [0, 1, 2, 3, 4].map((i) => `${P}together${i}`);
    const spaces = await Promise.all(names.map((n) => Namespace.create(n)));
    await Promise.all(spaces.map((ns) => ns.rtnl.links()));
    runIn(undefined, 'ip', ['netns', 'del', names[2]!]);
    // One given options ({}): the checked way, still unpinned with the others.
    const outcomes = await Promise.allSettled(spaces.map((ns, i) => (i === 3 ? ns.delete({}) : ns.delete())));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOENT' });
    expect(spaces.every((ns) => ns.closed)).toBe(true);
    expect(ours(Namespace.list()).filter((n) => n.includes('together'))).toEqual([]);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => (l.split(' ')[4] ?? '').startsWith(`/run/netns/${P}together`));
    expect(mounts).toEqual([]);
  });

  it('delete refused (no name; a bad timeoutMs) rejects, not throws, and leaves the namespace open and pinned', async () => {
    const here = Namespace.current();
    const ns = await make('refused');
    try {
      let unnamed: Promise<void> | undefined;
      expect(() => (unnamed = here.delete())).not.toThrow();
      await expect(unnamed).rejects.toThrow(/has no name to delete/);
      let badTimeout: Promise<void> | undefined;
      expect(() => (badTimeout = ns.delete({ timeoutMs: 0 }))).not.toThrow();
      await expect(badTimeout).rejects.toBeInstanceOf(InvalidArgumentError);
      expect([here.closed, ns.closed]).toEqual([false, false]);
      expect(Namespace.list()).toContain(`${P}refused`);
      expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
    } finally {
      here.close();
    }
  });

  it('open of an unknown name is refused before anything is touched, with a clear message', async () => {
    const before = Namespace.list();
    const error = await Namespace.open(`${P}nope`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe('namespace');
    expect((error as Error).message).toContain(`${P}nope`);
    expect((error as Error).message).toMatch(/does not exist/);
    expect(Namespace.list()).toEqual(before);
    const byPid = await Namespace.open({ pid: 0x3ffffff0 }).catch((e: unknown) => e);
    expect(byPid).toBeInstanceOf(InvalidArgumentError);
    expect((byPid as Error).message).toMatch(/does not exist/);
  });

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['slash', 'a/b'],
    ['256 bytes', 'n'.repeat(256)],
    ['NUL', 'a\0b'],
  ])('refuses the name %s for create and open, touching nothing', async (_what, name) => {
    const before = Namespace.list();
    for (const attempt of [() => Namespace.create(name), () => Namespace.open(name)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe('namespace name');
      expect((error as InvalidArgumentError).value).toBe(name);
    }
    expect(Namespace.list()).toEqual(before);
    expect(existsSync('/run/netns/a')).toBe(false);
  });

  it('accepts a 255-byte name', async () => {
    const name = P + 'x'.repeat(255 - P.length);
    const ns = await Namespace.create(name);
    try {
      expect(ipNetnsList()).toContain(name);
    } finally {
      await ns.delete();
    }
    expect(Namespace.list()).not.toContain(name);
  });

  it('spawn runs the program inside: it sees only lo, and no shell is involved', async () => {
    const ns = await make('spawn');
    const result = await collect(ns.spawn('ip', ['-j', 'link', 'show']));
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Json[]).map((l) => l.ifname)).toEqual(['lo']);
    const inode = await collect(ns.spawn('stat', ['-L', '-c', '%i', '/proc/self/ns/net']));
    expect(Number(inode.stdout.trim())).toBe(ns.inode);
    // Shell syntax is passed through as a plain argument.
    const echo = await collect(ns.spawn('echo', ['$HOME;', 'x']));
    expect(echo.stdout).toBe('$HOME; x\n');
    // The calling thread is back where it was.
    expect(statSync('/proc/thread-self/ns/net').ino).toBe(statSync('/proc/self/ns/net').ino);
    const outside = await collect(spawn('stat', ['-L', '-c', '%i', '/proc/self/ns/net']));
    expect(Number(outside.stdout.trim())).not.toBe(ns.inode);
    expect(() => ns.spawn('')).toThrow(InvalidArgumentError);
  });

  it('sysctl reads and writes net.* inside the namespace only, and refuses other keys', async () => {
    const ns = await make('sysctl');
    const rootBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    expect(ns.sysctl('net.ipv4.ip_forward')).toBe('0');
    expect(ns.sysctl('net.ipv4.ip_forward', '1')).toBe('1');
    expect(ns.sysctl('net.ipv4.ip_forward')).toBe('1');
    // The oracle reads it inside the namespace too.
    const seen = await collect(ns.spawn('cat', ['/proc/sys/net/ipv4/ip_forward']));
    expect(seen.stdout.trim()).toBe('1');
    expect(runIn(undefined, 'ip', ['netns', 'exec', `${P}sysctl`, 'cat', '/proc/sys/net/ipv4/ip_forward']).trim()).toBe('1');
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe(rootBefore);
    expect(ns.sysctl('net.ipv4.ip_forward', 0)).toBe('0');
    for (const key of ['kernel.hostname', 'net', 'net.ipv4..ip_forward', 'net/ipv4/ip_forward', 'net.ipv4.ip_forward/../../kernel/hostname']) {
      expect(() => ns.sysctl(key as `net.${string}`), key).toThrow(InvalidArgumentError);
    }
    for (const parts of [['net', 'ipv4', '..', '..', 'kernel', 'hostname'], ['net', 'ipv4/ip_forward'], ['kernel', 'hostname'], ['net', '']]) {
      expect(() => ns.sysctl(parts), parts.join()).toThrow(InvalidArgumentError);
    }
  });

  it('sysctl reaches interfaces whose names have dots (sysctl(8) writes them with /), and refuses values that are not text or numbers', async () => {
    const ns = await make('sysctl-dot');
    await Bridge.create({ name: 'br0.100', namespace: ns });
    await Bridge.create({ name: 'br0', namespace: ns });
    const file = (dev: string) => `/proc/sys/net/ipv4/conf/${dev}/forwarding`;
    const inside = (path: string) => runIn(undefined, 'ip', ['netns', 'exec', `${P}sysctl-dot`, 'cat', path]).trim();
    expect(inside(file('br0.100'))).toBe('0');
    expect(ns.sysctl('net.ipv4.conf.br0/100.forwarding', 1)).toBe('1');
    expect(inside(file('br0.100'))).toBe('1');
    expect(inside(file('br0'))).toBe('0');
    expect(ns.sysctl(['net', 'ipv4', 'conf', 'br0.100', 'forwarding'], '0')).toBe('0');
    expect(inside(file('br0.100'))).toBe('0');
    // Written with dots, the key names another file (br0 / 100 / forwarding), which does not exist.
    expect(() => ns.sysctl('net.ipv4.conf.br0.100.forwarding', 1)).toThrow(expect.objectContaining({ name: 'SystemCallError', code: 'ENOENT', errno: 2 }));
    expect(inside(file('br0'))).toBe('0');
    for (const value of [null, {}, [], true, Number.NaN, Infinity, 'a\0b']) {
      expect(() => ns.sysctl('net.ipv4.conf.br0/100.forwarding', value as unknown as string), String(value)).toThrow(InvalidArgumentError);
    }
    expect(inside(file('br0.100'))).toBe('0');
  });
});
