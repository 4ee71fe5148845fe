/**
 * The CNI plugin on its own: connectivity, error paths (spec codes, nothing left half-made),
 * DEL idempotence, CHECK, chaining with the reference portmap / tuning, GC and STATUS (1.1.0),
 * and the in-process attachContainer.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace } from '../../lib/index.js';
import { attachContainer, CniError, detachContainer, checkContainer, gcNetwork } from '../../lib/cni/index.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { CNI_PATH, OURS, REFERENCE, runOursAt, runPlugin, runReferencePlugin } from './cni-helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const P = `it-cni-${process.pid}-p-`;
const ready = canRunIntegration && existsSync(OURS) && existsSync(REFERENCE);

let dir: string;
let host: Namespace;
const containers: Namespace[] = [];

function conf(extra: Json = {}): Json {
  return { cniVersion: '1.0.0', name: 'it-cni-net', type: 'cni-bridge', bridge: 'it-cni-br1', isDefaultGateway: true, ipam: { type: 'host-local', subnet: '10.77.0.0/24', dataDir: join(dir, 'ipam') }, ...extra };
}

async function container(name: string): Promise<Namespace> {
  const ns = await Namespace.create(`${P}${name}`);
  await (await ns.link('lo')).up();
  containers.push(ns);
  return ns;
}

function vethsOnHost(): string[] {
  const r = spawnSync('ip', ['-n', host.name!, '-j', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' });
  return (JSON.parse(r.stdout || '[]') as Json[]).map((l) => l.ifname as string);
}

/** The addresses host-local holds for a container (files named by address, holding the container id). */
function reservedFor(containerId: string): string[] {
  const network = join(dir, 'ipam', 'it-cni-net');
  return readdirSync(network).filter((f) => /^[\d.:a-f]+$/.test(f) && readFileSync(join(network, f), 'utf8').startsWith(containerId));
}

/**
 * A copy of the executable beside the build (koffi is found by walking up to node_modules from the
 * bundle's directory) in which each engine file named in `engines` throws as it loads, with that message.
 */
function executableCopy(tag: string, engines: Record<string, string>): { file: string; remove: () => void } {
  const bundle = dirname(OURS);
  const copy = mkdtempSync(join(dirname(bundle), `it-cni-${tag}-`));
  for (const file of ['cni-bridge.cjs', 'cni-bridge-shared.cjs']) copyFileSync(join(bundle, file), join(copy, file));
  for (const [file, message] of Object.entries(engines)) writeFileSync(join(copy, file), `throw new Error(${JSON.stringify(`it-cni: ${message}`)});\n`);
  return { file: join(copy, 'cni-bridge.cjs'), remove: () => rmSync(copy, { recursive: true, force: true }) };
}

const SERVER = `
const net = require('node:net');
const server = net.createServer((s) => { s.end(s.remoteAddress + '\\n'); });
server.listen(8080, '::', () => console.log('listening'));
`;
const CLIENT = (to: string) => `
const net = require('node:net');
const s = net.connect({ host: '${to}', port: 8080, timeout: 1500 });
let data = '';
s.on('data', (d) => (data += d));
s.on('end', () => { console.log('OK ' + data.trim()); process.exit(0); });
s.on('timeout', () => { console.log('TIMEOUT'); process.exit(2); });
s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(3); });
`;

/** A TCP connection from `from` to a server run in `to` at `address`: what the server saw. */
async function tcp(from: Namespace, to: Namespace, address: string): Promise<string> {
  const server = to.spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
      server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const child = from.spawn(process.execPath, ['-e', CLIENT(address)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise((resolve) => child.on('exit', resolve));
    return out.trim().replace('::ffff:', '');
  } finally {
    server.kill('SIGKILL');
  }
}

describe.skipIf(!ready)('cni: the cni-bridge executable and attachContainer', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'it-cni-'));
    host = await Namespace.create(`${P}host`);
    await (await host.link('lo')).up();
  });
  afterAll(async () => {
    for (const ns of containers) if (!ns.closed) await ns.delete().catch(() => undefined);
    await host?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it('VERSION lists 1.0.0 and 1.1.0', async () => {
    const r = await runPlugin('ours', host, 'VERSION', { cniVersion: '1.1.0' });
    expect(r.status).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  });

  it('two containers reach each other and the gateway; CHECK passes; DEL is idempotent', async () => {
    const c1 = await container('c1');
    const c2 = await container('c2');
    const r1 = await runPlugin('ours', host, 'ADD', conf(), { containerId: 'c1', netns: c1.path, ifname: 'eth0' });
    const r2 = await runPlugin('ours', host, 'ADD', conf(), { containerId: 'c2', netns: c2.path, ifname: 'eth0' });
    expect(r1.status, r1.stdout).toBe(0);
    expect(r2.status, r2.stdout).toBe(0);
    const ip1 = ((r1.json as Json).ips[0].address as string).split('/')[0]!;
    const ip2 = ((r2.json as Json).ips[0].address as string).split('/')[0]!;
    expect(await tcp(c1, c2, ip2)).toBe(`OK ${ip1}`);
    expect(await tcp(c2, c1, ip1)).toBe(`OK ${ip2}`);
    expect(await tcp(c1, host, '10.77.0.1')).toBe(`OK ${ip1}`);

    const check = await runPlugin('ours', host, 'CHECK', conf({ prevResult: r1.json }), { containerId: 'c1', netns: c1.path, ifname: 'eth0' });
    expect(check.status, check.stdout).toBe(0);
    // Remove the address: CHECK must notice.
    await (await c1.link('eth0')).deleteAddress(`${ip1}/24`);
    const bad = await runPlugin('ours', host, 'CHECK', conf({ prevResult: r1.json }), { containerId: 'c1', netns: c1.path, ifname: 'eth0' });
    expect(bad.status).not.toBe(0);
    expect((bad.json as Json).msg).toContain(ip1);

    // A DEL the command line refuses deletes nothing (the executable starts a DEL's deletion before
    // it loads the engine, only for a call that passes the same checks).
    const refused = [
      await runPlugin('ours', host, 'DEL', conf({ cniVersion: '9.9.9' }), { containerId: 'c1', netns: c1.path, ifname: 'eth0' }),
      await runPlugin('ours', host, 'DEL', conf({ vlan: 4095 }), { containerId: 'c1', netns: c1.path, ifname: 'eth0' }),
      await runPlugin('ours', host, 'DEL', conf(), { containerId: 'c 1', netns: c1.path, ifname: 'eth0' }),
      await runPlugin('ours', host, 'DEL', '{"cniVersion": "1.0.0", "name": ', { containerId: 'c1', netns: c1.path, ifname: 'eth0' }),
    ];
    expect(refused.map((r) => (r.json as Json).code)).toEqual([1, 7, 4, 6]);
    expect(await c1.findLink('eth0')).toBeDefined();
    for (let i = 0; i < 2; i++) {
      const del = await runPlugin('ours', host, 'DEL', conf(), { containerId: 'c1', netns: c1.path, ifname: 'eth0' });
      expect(del.status, del.stdout).toBe(0);
    }
    expect(await c1.findLink('eth0')).toBeUndefined();
    // DEL with the namespace gone, and without CNI_NETNS at all.
    await c2.delete();
    expect((await runPlugin('ours', host, 'DEL', conf(), { containerId: 'c2', netns: c2.path, ifname: 'eth0' })).status).toBe(0);
    expect((await runPlugin('ours', host, 'DEL', conf(), { containerId: 'c2', ifname: 'eth0' })).status).toBe(0);
    expect(vethsOnHost()).toEqual([]);
  });

  it('error paths: spec codes, and nothing left half-made', async () => {
    const c = await container('err');
    const env = { containerId: 'cerr', netns: c.path, ifname: 'eth0' };
    const bad = await runPlugin('ours', host, 'ADD', '{"cniVersion": "1.0.0", "name": ', env);
    expect(bad.json).toMatchObject({ code: 6 });
    const version = await runPlugin('ours', host, 'ADD', conf({ cniVersion: '9.9.9' }), env);
    expect(version.json).toMatchObject({ code: 1, msg: 'incompatible CNI versions' });
    const noNetns = await runPlugin('ours', host, 'ADD', conf(), { containerId: 'cerr', ifname: 'eth0' });
    expect(noNetns.json).toMatchObject({ code: 4, msg: 'required env variables [CNI_NETNS] missing' });
    const badNetns = await runPlugin('ours', host, 'ADD', conf(), { ...env, netns: '/run/netns/it-cni-does-not-exist' });
    expect(badNetns.status).not.toBe(0);
    expect((badNetns.json as Json).msg).toContain('failed to open netns');
    const noIpam = await runPlugin('ours', host, 'ADD', conf({ ipam: { type: 'it-cni-no-such-ipam' } }), env);
    expect(noIpam.json).toMatchObject({ code: 999 });
    expect((noIpam.json as Json).msg).toContain('failed to find plugin "it-cni-no-such-ipam"');
    // host-local refuses a range it cannot allocate from: its own error comes through.
    const failing = await runPlugin('ours', host, 'ADD', conf({ ipam: { type: 'host-local', subnet: '10.78.0.0/31', dataDir: join(dir, 'ipam2') } }), env);
    expect(failing.status).not.toBe(0);
    expect((failing.json as Json).msg).toBeTruthy();
    // Nothing left: no interface in the container, no veth on the host.
    expect(await c.findLink('eth0')).toBeUndefined();
    expect(vethsOnHost()).toEqual([]);
    const both = await runPlugin('ours', host, 'ADD', conf({ hairpinMode: true, promiscMode: true }), env);
    expect(both.json).toMatchObject({ code: 7 });
    const taken = await runPlugin('ours', host, 'ADD', conf(), { ...env, ifname: 'lo' });
    expect((taken.json as Json).msg).toContain('already exists');
    expect(vethsOnHost()).toEqual([]);
    // The executable starts host-local before the veth is made: the address it gave is released.
    expect(reservedFor('cerr')).toEqual([]);
    // In process, the kernel's error is the CniError's cause: a route through a gateway on no subnet of the container.
    const offLink = conf({ ipam: { ...conf().ipam, routes: [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }] } });
    const error: unknown = await attachContainer(JSON.stringify(offLink), { netns: c, ifname: 'eth0', containerId: 'cerr', host, cniPath: CNI_PATH }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CniError);
    expect((error as CniError).msg).toContain("failed to add route '192.0.2.0/24 via 198.51.100.1 dev eth0'");
    expect((error as CniError).cause).toMatchObject({ name: 'NetlinkError', code: 'ENETUNREACH' });
    expect(await c.findLink('eth0')).toBeUndefined();
    expect(vethsOnHost()).toEqual([]);
  });

  it('chaining: the reference tuning and portmap read our result', async () => {
    const c = await container('chain');
    const env = { containerId: 'cchain', netns: c.path, ifname: 'eth0' };
    const add = await runPlugin('ours', host, 'ADD', conf(), env);
    expect(add.status, add.stdout).toBe(0);
    const tuning = { cniVersion: '1.0.0', name: 'it-cni-net', type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1' }, prevResult: add.json };
    const tr = await runChained('tuning', tuning, env);
    expect(tr.status, tr.stdout + tr.stderr).toBe(0);
    expect((tr.json as Json).ips).toEqual((add.json as Json).ips);
    expect(spawnSync('ip', ['netns', 'exec', c.name!, 'cat', '/proc/sys/net/ipv4/conf/eth0/arp_filter'], { encoding: 'utf8' }).stdout.trim()).toBe('1');
    const portmap = { cniVersion: '1.0.0', name: 'it-cni-net', type: 'portmap', capabilities: { portMappings: true }, runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' }] }, prevResult: tr.json };
    const pr = await runChained('portmap', portmap, env);
    expect(pr.status, pr.stdout + pr.stderr).toBe(0);
    expect((pr.json as Json).interfaces).toEqual((add.json as Json).interfaces);
    expect((await runChained('portmap', portmap, env, 'DEL')).status).toBe(0);
    expect((await runPlugin('ours', host, 'DEL', conf({ prevResult: pr.json }), env)).status).toBe(0);
  });

  it('prevResult: an earlier plugin\'s interfaces and IPs are kept, our indexes shifted', async () => {
    const c = await container('prev');
    const env = { containerId: 'cprev', netns: c.path, ifname: 'eth1' };
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: c.path }], ips: [{ interface: 0, address: '192.0.2.5/24' }], dns: { nameservers: ['192.0.2.53'] } };
    const r = await runPlugin('ours', host, 'ADD', conf({ prevResult }), env);
    expect(r.status, r.stdout).toBe(0);
    const json = r.json as Json;
    expect(json.interfaces[0]).toEqual({ name: 'eth0', sandbox: c.path });
    expect(json.interfaces).toHaveLength(4);
    expect(json.ips[0]).toEqual({ interface: 0, address: '192.0.2.5/24' });
    expect(json.ips[1].interface).toBe(3);
    expect(json.dns).toEqual({ nameservers: ['192.0.2.53'] });
    expect((await runPlugin('ours', host, 'DEL', conf(), env)).status).toBe(0);
  });

  it('DEL gives the IPAM plugin its configuration only once the container interface and its host end are gone', async () => {
    // The executable starts the deletion before it loads the engine and releases the address as soon
    // as the kernel announces the removal: the plugin, reading its stdin, must find neither end.
    const ipamDir = join(dir, 'bin-order');
    spawnSync('mkdir', ['-p', ipamDir]);
    const log = join(dir, 'ipam-order.log');
    const script = join(ipamDir, 'it-cni-ipam-order');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        'cat >/dev/null',
        'case "$CNI_COMMAND" in',
        `ADD) echo '{"cniVersion":"1.0.0","ips":[{"address":"10.68.0.2/24"}]}';;`,
        `DEL) { nsenter --net="$CNI_NETNS" ip -o link show "$CNI_IFNAME" >/dev/null 2>&1; echo "container $?"; echo "ports $(ip -o link show master it-cni-br3 | wc -l)"; } >>${log};;`,
        'esac',
        'exit 0',
        '',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    const net = { cniVersion: '1.0.0', name: 'it-cni-order', type: 'cni-bridge', bridge: 'it-cni-br3', ipam: { type: 'it-cni-ipam-order' } };
    const env = { containerId: 'order1', ifname: 'eth0', path: `${ipamDir}:${CNI_PATH}` };
    for (const round of [1, 2, 3]) {
      const c = await container(`order${round}`);
      const add = await runPlugin('ours', host, 'ADD', net, { ...env, netns: c.path });
      expect(add.status, add.stdout).toBe(0);
      expect((await c.links()).map((l) => l.name).sort()).toEqual(['eth0', 'lo']);
      const del = await runPlugin('ours', host, 'DEL', net, { ...env, netns: c.path });
      expect(del.status, del.stdout).toBe(0);
    }
    // Not found in the container (ip's status 1), no port left on the bridge, every time.
    expect(readFileSync(log, 'utf8')).toBe('container 1\nports 0\n'.repeat(3));
  });

  it('DEL with only the interface and the reservation to undo is done without the engine; ipMasq still loads it', async () => {
    const copy = executableCopy('no-engine', { 'cni-bridge-engine.cjs': 'the engine was loaded' });
    try {
      const noEngine = copy.file;
      const c = await container('noengine');
      const env = { containerId: 'noengine', netns: c.path, ifname: 'eth0' };
      const add = await runPlugin('ours', host, 'ADD', conf(), env);
      expect(add.status, add.stdout).toBe(0);
      expect(reservedFor('noengine')).toHaveLength(1);
      // ipMasq (NAT rules), portMappings (NAT) and bandwidth (tc) are the engine's to undo.
      for (const extra of [{ ipMasq: true }, { runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80 }] } }, { runtimeConfig: { bandwidth: { ingressRate: 8000, ingressBurst: 8000 } } }]) {
        const del = await runOursAt(noEngine, host, 'DEL', conf(extra), env);
        expect(del.status).not.toBe(0);
        expect(del.stderr).toContain('the engine was loaded');
      }
      for (let i = 0; i < 2; i++) {
        const del = await runOursAt(noEngine, host, 'DEL', conf(), env);
        expect(del.status, del.stderr).toBe(0);
        expect(del.stdout).toBe('');
      }
      expect(await c.findLink('eth0')).toBeUndefined();
      expect(reservedFor('noengine')).toEqual([]);
      expect(vethsOnHost()).toEqual([]);
      // The IPAM plugin's failure is the call's error result, as the engine writes it.
      const missing = await runOursAt(noEngine, host, 'DEL', conf(), { ...env, path: join(dir, 'no-plugins-here') });
      expect(missing.status).toBe(1);
      expect(missing.json).toEqual({ cniVersion: '1.0.0', code: 999, msg: `failed to find plugin "host-local" in path [${join(dir, 'no-plugins-here')}]` });
    } finally {
      copy.remove();
    }
  });

  it('ADD loads the plain engine without ipMasq, portMappings or bandwidth, and the whole engine with any of them', async () => {
    const copy = executableCopy('engines', { 'cni-bridge-engine-plain.cjs': 'the plain engine was loaded', 'cni-bridge-engine.cjs': 'the whole engine was loaded' });
    try {
      const at = copy.file;
      const c = await container('engines');
      const env = { containerId: 'engines', netns: c.path, ifname: 'eth0' };
      const runs: Array<[Json, string]> = [
        [conf(), 'plain'],
        // ipMasq without IPAM has no address to masquerade.
        [conf({ ipMasq: true, ipam: {} }), 'plain'],
        [conf({ ipMasq: true }), 'whole'],
        [conf({ runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80 }] } }), 'whole'],
        [conf({ runtimeConfig: { bandwidth: { ingressRate: 8000, ingressBurst: 8000 } } }), 'whole'],
      ];
      for (const [net, engine] of runs) {
        const add = await runOursAt(at, host, 'ADD', net, env);
        expect(add.status, JSON.stringify(net)).not.toBe(0);
        expect(add.stderr, JSON.stringify(net)).toContain(`the ${engine} engine was loaded`);
      }
      // The first stage's reservations, released by the executable as built (no interface was made).
      const del = await runPlugin('ours', host, 'DEL', conf(), env);
      expect(del.status, del.stdout).toBe(0);
      expect(reservedFor('engines')).toEqual([]);
      // And the executable as built does a plain ADD with the plain engine: the container has its address.
      const add = await runPlugin('ours', host, 'ADD', conf(), env);
      expect(add.status, add.stdout).toBe(0);
      expect((await c.addresses({ family: 4, dev: 'eth0' })).map((a) => a.cidr)).toEqual([(add.json as Json).ips[0].address]);
      expect((await runPlugin('ours', host, 'DEL', conf(), env)).status).toBe(0);
    } finally {
      copy.remove();
    }
  });

  it('keeps the code of the ADD that creates the bridge out of the plain engine\'s code cache, unless every ADD creates one', async () => {
    // lib/cni/one-off-call.ts and bin/keep-code-cache.ts: the header's generation (byte 5) and one-off mark (byte 6).
    const plain = statSync(join(dirname(OURS), 'cni-bridge-engine-plain.cjs'));
    const places: string[] = [];
    const cacheOf = (at: string) => {
      const cacheDir = join(at, `netns-rtnl-code-cache-${process.getuid!()}`);
      const files = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith(`${plain.dev}-${plain.ino}-`)) : [];
      if (files.length !== 1) return files.length;
      const b = readFileSync(join(cacheDir, files[0]!));
      return { generation: b[5], oneOff: b[6] === 1, bytes: b.length };
    };
    let k = 0;
    const add = async (at: string, bridge: string) => {
      const name = `cache${k++}`;
      const c = await container(name);
      const env = { containerId: name, netns: c.path, ifname: 'eth0', tmpdir: at };
      const net = conf({ bridge, ipam: { type: 'host-local', subnet: '10.79.0.0/24', dataDir: join(dir, 'ipam') } });
      const r = await runPlugin('ours', host, 'ADD', net, env);
      expect(r.status, r.stdout).toBe(0);
      const cache = cacheOf(at);
      expect((await runPlugin('ours', host, 'DEL', net, env)).status).toBe(0);
      return cache;
    };
    const removeBridge = async (name: string) => (await host.link(name)).delete().catch(() => undefined);
    try {
      const at = mkdtempSync(join(tmpdir(), 'it-cni-caches-'));
      places.push(at);
      const created = await add(at, 'it-cni-br9');
      const next = await add(at, 'it-cni-br9');
      const third = await add(at, 'it-cni-br9');
      await removeBridge('it-cni-br9');
      const createdAgain = await add(at, 'it-cni-br9');
      expect([created, next, third, createdAgain].map((c) => (typeof c === 'number' ? c : [c.generation, c.oneOff]))).toEqual([
        [0, true],
        // The top level alone, from the source compiled afresh.
        [0, false],
        [1, false],
        // Left as it was.
        [1, false],
      ]);
      const bytes = (c: typeof created) => (typeof c === 'number' ? 0 : c.bytes);
      expect(bytes(next)).toBeLessThan(bytes(created));
      expect(bytes(createdAgain)).toBe(bytes(third));
      // Every ADD creates its bridge: the marked cache is rewritten as any other.
      const each = mkdtempSync(join(tmpdir(), 'it-cni-caches-'));
      places.push(each);
      const first = await add(each, 'it-cni-br8');
      await removeBridge('it-cni-br8');
      const second = await add(each, 'it-cni-br8');
      expect([first, second].map((c) => (typeof c === 'number' ? c : [c.generation, c.oneOff]))).toEqual([
        [0, true],
        [1, true],
      ]);
    } finally {
      await removeBridge('it-cni-br9');
      await removeBridge('it-cni-br8');
      for (const at of places) rmSync(at, { recursive: true, force: true });
    }
  });

  it('in process: attachContainer / checkContainer / detachContainer, GC removes stale NAT rules (1.1.0)', async () => {
    // host-local 1.1.1 (Debian's) speaks up to 1.0.0, so a 1.1.0 network uses a tiny IPAM script.
    const ipamDir = join(dir, 'bin');
    spawnSync('mkdir', ['-p', ipamDir]);
    const script = join(ipamDir, 'it-cni-ipam');
    writeFileSync(
      script,
      `#!/bin/sh\ncat >/dev/null\ncase "$CNI_COMMAND" in ADD) case "$CNI_CONTAINERID" in ip1) a=10.66.0.2;; *) a=10.66.0.3;; esac; echo "{\\"cniVersion\\":\\"1.1.0\\",\\"ips\\":[{\\"address\\":\\"$a/24\\"}]}";; esac\nexit 0\n`,
    );
    chmodSync(script, 0o755);
    const net = { cniVersion: '1.1.0', name: 'it-cni-gc', type: 'cni-bridge', bridge: 'it-cni-br2', isDefaultGateway: true, ipMasq: true, ipam: { type: 'it-cni-ipam' } };
    const a = await container('ip1');
    const b = await container('ip2');
    const cniPath = `${ipamDir}:${CNI_PATH}`;
    const ra = await attachContainer(net, { netns: a, ifname: 'eth0', containerId: 'ip1', host, cniPath });
    const rb = await attachContainer(net, { netns: b, ifname: 'eth0', containerId: 'ip2', host, cniPath });
    expect(ra.ips).toEqual([{ interface: 2, address: '10.66.0.2/24', gateway: '10.66.0.1' }]);
    expect(ra.interfaces![2]).toMatchObject({ name: 'eth0', sandbox: a.path });
    await checkContainer({ ...net, prevResult: rb }, { netns: b, ifname: 'eth0', containerId: 'ip2', host, cniPath });
    expect((await host.nat.rules()).map((r) => r.source).sort()).toEqual(['10.66.0.2/32', '10.66.0.3/32']);
    const gc = await gcNetwork({ ...net, 'cni.dev/valid-attachments': [{ containerID: 'ip1', ifname: 'eth0' }] }, { host, cniPath });
    expect(gc.natRulesRemoved).toBe(1);
    expect((await host.nat.rules()).map((r) => r.source)).toEqual(['10.66.0.2/32']);
    await expect(checkContainer({ ...net, prevResult: rb }, { netns: b, ifname: 'eth0', containerId: 'ip2', host, cniPath })).rejects.toBeInstanceOf(CniError);
    const status = await runPlugin('ours', host, 'STATUS', net, { path: cniPath });
    expect(status.status, status.stdout).toBe(0);
    await detachContainer(net, { netns: a, ifname: 'eth0', containerId: 'ip1', host, cniPath });
    await detachContainer(net, { netns: b, ifname: 'eth0', containerId: 'ip2', host, cniPath });
    expect(await host.nat.rules()).toEqual([]);
    expect(vethsOnHost()).toEqual([]);
  });
});

/** Runs one of the reference's other plugins (tuning, portmap) in the host namespace. */
function runChained(type: string, conf: Json, env: { containerId: string; netns: string; ifname: string }, command = 'ADD') {
  return runReferencePlugin(type, host, command, conf, env);
}
