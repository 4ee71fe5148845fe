/**
 * The CNI plugin against the reference: for each configuration, the reference `bridge` plugin
 * (Debian's containernetworking-plugins) and ours run in two identical fresh sandboxes (a named
 * namespace standing for the host, one per container, one for "the internet"), and the resulting
 * state is compared after normalizing random names and MACs: links, addresses, routes in the
 * containers and on the host, bridge ports, sysctls, the result JSON, the NAT effect. The only
 * differences allowed are the ones the README documents (listed in ALLOWED below).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { OURS, REFERENCE, runPlugin, runReferencePlugin, type Plugin } from './cni-helpers.js';

if (integrationSkipReason !== undefined) console.log(`cni-compare: ${integrationSkipReason}`);
const haveReference = existsSync(REFERENCE);
if (canRunIntegration && !haveReference) console.log('cni-compare: skipped: /usr/lib/cni/bridge missing (apt-get install containernetworking-plugins)');
const haveOurs = existsSync(OURS);
if (canRunIntegration && !haveOurs) console.log(`cni-compare: skipped: ${OURS} missing (npm run build)`);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Scenario {
  name: string;
  conf: Json;
  containers: string[];
  /** A connection from the first container to the internet namespace: what the server sees. */
  internet?: 'masqueraded' | 'unreachable';
  ipv6?: boolean;
  /**
   * Runtime capabilities: ours honours them itself; the reference runs as the chain
   * bridge -> portmap -> bandwidth (what one cni-bridge replaces). The effect compared: the
   * published port reached from the internet namespace over both families, and the qdiscs and
   * filter on the host-side veth and the ifb.
   */
  capabilities?: { portMappings: Json[]; bandwidth: Json };
}

const SCENARIOS: Scenario[] = [
  { name: 'l3-gateway', conf: { isGateway: true, ipam: { type: 'host-local', subnet: '10.88.0.0/16' } }, containers: ['c1'] },
  { name: 'l3-no-gateway', conf: { ipam: { type: 'host-local', subnet: '10.89.0.0/24', routes: [{ dst: '192.0.2.0/24', gw: '10.89.0.254' }] } }, containers: ['c1'] },
  { name: 'default-gw-masq', conf: { isDefaultGateway: true, ipMasq: true, ipam: { type: 'host-local', subnet: '10.90.0.0/24' } }, containers: ['c1'], internet: 'masqueraded' },
  { name: 'default-gw-no-masq', conf: { isDefaultGateway: true, ipam: { type: 'host-local', subnet: '10.91.0.0/24' } }, containers: ['c1'], internet: 'unreachable' },
  { name: 'mtu', conf: { isGateway: true, mtu: 1400, ipam: { type: 'host-local', subnet: '10.92.0.0/24' } }, containers: ['c1'] },
  { name: 'hairpin', conf: { isGateway: true, hairpinMode: true, ipam: { type: 'host-local', subnet: '10.93.0.0/24' } }, containers: ['c1'] },
  { name: 'promisc', conf: { isGateway: true, promiscMode: true, ipam: { type: 'host-local', subnet: '10.94.0.0/24' } }, containers: ['c1'] },
  { name: 'two-containers', conf: { isGateway: true, ipam: { type: 'host-local', subnet: '10.95.0.0/24' } }, containers: ['c1', 'c2'] },
  { name: 'ipv6', conf: { isDefaultGateway: true, ipam: { type: 'host-local', subnet: 'fd00:96::/64' } }, containers: ['c1'], ipv6: true },
  { name: 'dual-stack', conf: { isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.97.0.0/24' }], [{ subnet: 'fd00:97::/64' }]] } }, containers: ['c1'], ipv6: true },
  {
    // IPv6 ranges as a dual-stack runtime writes them: a gateway and a start/end per range, and the
    // default routes of both families from IPAM's routes (no isDefaultGateway).
    name: 'dual-stack-ranges-routes',
    conf: {
      isGateway: true,
      ipam: {
        type: 'host-local',
        ranges: [
          [{ subnet: '10.96.0.0/24', gateway: '10.96.0.254', rangeStart: '10.96.0.10', rangeEnd: '10.96.0.20' }],
          [{ subnet: 'fd00:9a::/64', gateway: 'fd00:9a::fe', rangeStart: 'fd00:9a::100', rangeEnd: 'fd00:9a::1ff' }],
        ],
        routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
      },
    },
    containers: ['c1', 'c2'],
    ipv6: true,
  },
  { name: 'layer2', conf: {}, containers: ['c1'] },
  { name: 'cni-0.4.0', conf: { cniVersion: '0.4.0', isGateway: true, ipam: { type: 'host-local', subnet: '10.98.0.0/24' } }, containers: ['c1'] },
  {
    name: 'portmap-bandwidth',
    conf: { isDefaultGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }], [{ subnet: 'fd00:99::/64' }]] } },
    containers: ['c1'],
    ipv6: true,
    capabilities: {
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      bandwidth: { ingressRate: 8000000, ingressBurst: 256000, egressRate: 4000000, egressBurst: 128000 },
    },
  },
];

/**
 * Differences that are intended and documented in the README ("CNI: differences from the
 * reference"). Each is applied to the reference's normalized state before comparing.
 */
const ALLOWED = {
  /** The reference masquerades with iptables (a CNI-xxx chain); ours with nftables: rules are not compared, the effect is. */
  natRules: true,
};

const P = `it-cni-${process.pid}-`;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function ip(ns: string, ...args: string[]): Json[] {
  const r = spawnSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Json[]) : [];
}

/** Replaces every MAC and every vethXXXXXXXX by a label given in order of first appearance. */
class Normalizer {
  private readonly names = new Map<string, string>();
  label(value: string): string {
    if (!this.names.has(value)) this.names.set(value, /^veth/.test(value) ? `veth#${this.names.size}` : /^bw/.test(value) ? `ifb#${this.names.size}` : `mac#${this.names.size}`);
    return this.names.get(value)!;
  }
  apply<T>(value: T): T {
    const text = JSON.stringify(value)
      .replace(/\bveth[0-9a-f]{8}\b/g, (m) => this.label(m))
      .replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/g, (m) => (m === '00:00:00:00:00:00' || m === 'ff:ff:ff:ff:ff:ff' ? m : this.label(m)));
    return JSON.parse(text.replace(/\bbw(?:p[0-9a-f]{12}|[0-9a-f]{13})\b/g, (m) => this.label(m))) as T;
  }
}

function sysctl(ns: string, key: string): string | undefined {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/net/${key}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Until no link that is up still reports NO-CARRIER (at most 10 s): the kernel sets a new veth's
 * carrier and operstate asynchronously (its link watch work), and a layer-2 ADD returns without
 * waiting for anything, so under load a snapshot could catch either plugin's veth before it.
 */
async function untilCarrierSettled(ns: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!ip(ns, 'link', 'show').some((l) => (l.flags as string[]).includes('UP') && (l.flags as string[]).includes('NO-CARRIER'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The state of one namespace, reduced to what a CNI plugin decides. */
function nsState(ns: string, ifnames: string[]): Json {
  const links = ip(ns, '-d', 'link', 'show');
  const byIndex = new Map(links.map((l) => [l.ifindex as number, l.ifname as string]));
  const out: Json = {};
  out.links = links
    .map((l) => ({
      ifname: l.ifname,
      kind: l.linkinfo?.info_kind,
      flags: [...(l.flags as string[])].sort(),
      mtu: l.mtu,
      txqlen: l.txqlen ?? 0,
      operstate: l.operstate,
      address: l.address,
      master: l.master,
      promiscuity: l.promiscuity,
      hairpin: l.linkinfo?.info_slave_data?.hairpin,
      vlanFiltering: l.linkinfo?.info_data?.vlan_filtering,
      addrGenMode: l.inet6_addr_gen_mode,
    }))
    .sort((a, b) => String(a.ifname).localeCompare(String(b.ifname)));
  out.addresses = ip(ns, 'addr', 'show')
    .flatMap((l) => (l.addr_info as Json[]).map((a) => ({ dev: l.ifname, family: a.family, local: a.local, prefixlen: a.prefixlen, broadcast: a.broadcast, scope: a.scope })))
    .filter((a) => !(a.family === 'inet6' && a.scope === 'link'))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  out.routes = [...ip(ns, '-4', 'route', 'show', 'table', 'main'), ...ip(ns, '-6', 'route', 'show', 'table', 'main')]
    .filter((r) => !(String(r.dst).startsWith('fe80:')))
    .map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev, protocol: r.protocol, scope: r.scope, prefsrc: r.prefsrc, metric: r.metric, flags: r.flags, type: r.type }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const devs = links.map((l) => String(l.ifname));
  out.sysctls = Object.fromEntries(
    [
      'ipv4/ip_forward',
      'ipv6/conf/all/forwarding',
      ...devs.flatMap((d) => [`ipv6/conf/${d}/accept_ra`, `ipv6/conf/${d}/accept_dad`, `ipv6/conf/${d}/disable_ipv6`, `ipv4/conf/${d}/arp_notify`]),
    ].map((k) => [k, sysctl(ns, k)]),
  );
  void byIndex;
  void ifnames;
  return out;
}

interface Sandbox {
  host: Namespace;
  containers: Namespace[];
  internet?: Namespace;
  dataDir: string;
  results: Json[];
}

async function sandbox(tag: string, s: Scenario): Promise<Sandbox> {
  const host = await Namespace.create(`${P}${tag}-h`);
  await (await host.link('lo')).up();
  const containers: Namespace[] = [];
  for (const c of s.containers) {
    const ns = await Namespace.create(`${P}${tag}-${c}`);
    await (await ns.link('lo')).up();
    containers.push(ns);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'it-cni-ipam-'));
  dirs.push(dataDir);
  let internet: Namespace | undefined;
  if (s.internet || s.capabilities) {
    internet = await Namespace.create(`${P}${tag}-inet`);
    await (await internet.link('lo')).up();
    const u = await VethPair.create({ name: 'uplink', namespace: host, up: true, peer: { name: 'eth0', namespace: internet, up: true } });
    await u.link.addAddress('203.0.113.1/24');
    await u.peer.addAddress('203.0.113.2/24');
    if (s.capabilities) {
      await u.link.addAddress('2001:db8:113::1/64', { noDad: true });
      await u.peer.addAddress('2001:db8:113::2/64', { noDad: true });
    }
  }
  return { host, containers, dataDir, results: [], ...(internet ? { internet } : {}) };
}

function confOf(s: Scenario, sb: Sandbox, plugin: Plugin): Json {
  const conf: Json = { cniVersion: '1.0.0', name: 'it-cni-net', type: plugin === 'reference' ? 'bridge' : 'cni-bridge', bridge: 'it-cni-br0', ...s.conf };
  if (conf.ipam?.type === 'host-local') conf.ipam = { ...conf.ipam, dataDir: sb.dataDir };
  if (s.capabilities && plugin === 'ours') Object.assign(conf, { capabilities: { portMappings: true, bandwidth: true }, runtimeConfig: s.capabilities });
  return conf;
}

/** The reference's chain after bridge: portmap, then bandwidth, each given the result before it. */
function chainConfs(s: Scenario): Json[] {
  if (!s.capabilities) return [];
  const base = { cniVersion: '1.0.0', name: 'it-cni-net' };
  return [
    { ...base, type: 'portmap', capabilities: { portMappings: true }, runtimeConfig: { portMappings: s.capabilities.portMappings } },
    { ...base, type: 'bandwidth', capabilities: { bandwidth: true }, runtimeConfig: { bandwidth: s.capabilities.bandwidth } },
  ];
}

function untilFinal(actions: Json[]): Json[] {
  const last = actions.findIndex((a) => a.control_action?.type === 'stolen' || a.control_action?.type === 'drop');
  return last < 0 ? actions : actions.slice(0, last + 1);
}

/** tc's view of the host: each device's qdiscs (kind, rate, burst) and its ingress filters' actions. */
function tcState(ns: string): Json {
  const tc = (...args: string[]): Json[] => {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'tc', '-j', ...args], { encoding: 'utf8' });
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Json[]) : [];
  };
  const qdiscs = tc('qdisc', 'show')
    .filter((q) => q.kind !== 'noqueue')
    .map((q) => ({ dev: q.dev, kind: q.kind, root: q.root, parent: q.parent, rate: q.options?.rate, burst: q.options?.burst }));
  const filters = [...new Set(qdiscs.filter((q) => q.kind === 'ingress').map((q) => q.dev as string))].flatMap((dev) =>
    tc('filter', 'show', 'dev', dev, 'parent', 'ffff:').flatMap((f) =>
      // Up to the action that ends the packet's way (a redirect steals it): the reference's Go netlink
      // library adds a second mirred after it, which no packet reaches.
      untilFinal((f.options?.actions as Json[] | undefined) ?? []).map((a) => ({ dev, kind: f.kind, match: f.options?.match, action: a.kind, mode: a.mirred_action, direction: a.direction, to: a.to_dev, control: a.control_action?.type })),
    ),
  );
  return { qdiscs: qdiscs.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), filters };
}

/** What a server in the container sees when the internet namespace connects to the host's published port 8080. */
async function publishedEffect(sb: Sandbox): Promise<string[]> {
  const server = sb.containers[0]!.spawn(process.execPath, ['-e', SERVER.replace('8080', '80').replace("'0.0.0.0'", "'::'")], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
      server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const out: string[] = [];
    for (const address of ['203.0.113.1', '2001:db8:113::1']) {
      // A few attempts: an IPv6 address is unusable while its duplicate address detection runs
      // (about a second, longer on a loaded machine), for both plugins alike.
      let line = '';
      for (let attempt = 0; attempt < 5 && !line.startsWith('OK'); attempt++) {
        line = await connectFromInternet(sb, address);
      }
      out.push(line.replace('::ffff:', ''));
    }
    return out;
  } finally {
    server.kill('SIGKILL');
  }
}

async function connectFromInternet(sb: Sandbox, address: string): Promise<string> {
  const child = sb.internet!.spawn(process.execPath, ['-e', CLIENT(address)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let line = '';
  child.stdout!.on('data', (d) => (line += d));
  await new Promise((resolve) => child.on('exit', resolve));
  return line.trim();
}

const SERVER = `
const net = require('node:net');
const server = net.createServer((s) => { s.end(s.remoteAddress + '\\n'); });
server.listen(8080, '0.0.0.0', () => console.log('listening'));
`;
const CLIENT = (host: string) => `
const net = require('node:net');
const s = net.connect({ host: '${host}', port: 8080, timeout: 1500 });
let data = '';
s.on('data', (d) => (data += d));
s.on('end', () => { console.log('OK ' + data.trim()); process.exit(0); });
s.on('timeout', () => { console.log('TIMEOUT'); process.exit(2); });
s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(3); });
`;

/** What a server in `internet` sees when the first container connects to it. */
async function internetEffect(sb: Sandbox): Promise<string> {
  const server = sb.internet!.spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
      server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const child = sb.containers[0]!.spawn(process.execPath, ['-e', CLIENT('203.0.113.2')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise((resolve) => child.on('exit', resolve));
    return out.trim();
  } finally {
    server.kill('SIGKILL');
  }
}

async function runScenario(s: Scenario, plugin: Plugin): Promise<{ state: Json; results: Json[]; effect?: string; sb: Sandbox }> {
  const sb = await sandbox(`${s.name}-${plugin === 'reference' ? 'r' : 'o'}`, s);
  const conf = confOf(s, sb, plugin);
  const results: Json[] = [];
  for (const [i, c] of sb.containers.entries()) {
    const env = { containerId: `ctr-${s.containers[i]}`, netns: c.path, ifname: 'eth0' };
    const r = await runPlugin(plugin, sb.host, 'ADD', conf, env);
    expect(r.status, `${plugin} ADD ${JSON.stringify(r.json)} ${r.stderr}`).toBe(0);
    let result = r.json as Json;
    if (plugin === 'reference') {
      for (const chained of chainConfs(s)) {
        const c2 = await runReferencePlugin(chained.type, sb.host, 'ADD', { ...chained, prevResult: result }, env);
        expect(c2.status, `${chained.type} ADD ${JSON.stringify(c2.json)} ${c2.stderr}`).toBe(0);
        result = c2.json as Json;
      }
    }
    results.push(result);
  }
  const norm = new Normalizer();
  for (const ns of [sb.host, ...sb.containers]) await untilCarrierSettled(ns.name!);
  const state: Json = { host: nsState(sb.host.name!, []), containers: sb.containers.map((c) => nsState(c.name!, ['eth0'])) };
  const effect = s.internet ? await internetEffect(sb) : s.capabilities ? JSON.stringify(await publishedEffect(sb)) : undefined;
  if (s.capabilities) state.tc = tcState(sb.host.name!);
  // Results first: labels follow the order of ADDs, not the order of random names.
  const normalized = norm.apply({ results: results.map((r) => ({ ...r, interfaces: (r.interfaces as Json[]).map((i) => ({ ...i, sandbox: i.sandbox ? '<container netns>' : undefined })) })), state });
  const sorted = (list: Json[]) => [...list].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  for (const ns of [normalized.state.host, ...normalized.state.containers] as Json[]) {
    ns.links = sorted(ns.links);
    ns.addresses = sorted(ns.addresses);
    ns.routes = sorted(ns.routes);
  }
  return { state: normalized.state, results: normalized.results, ...(effect !== undefined ? { effect } : {}), sb };
}

async function teardown(s: Scenario, sb: Sandbox, plugin: Plugin): Promise<void> {
  const conf = confOf(s, sb, plugin);
  for (const [i, c] of sb.containers.entries()) {
    const env = { containerId: `ctr-${s.containers[i]}`, netns: c.path, ifname: 'eth0' };
    if (plugin === 'reference') {
      for (const chained of chainConfs(s).reverse()) {
        const r = await runReferencePlugin(chained.type, sb.host, 'DEL', chained, env);
        expect(r.status, `${chained.type} DEL ${r.stderr}`).toBe(0);
      }
    }
    const r = await runPlugin(plugin, sb.host, 'DEL', conf, env);
    expect(r.status, `${plugin} DEL ${JSON.stringify(r.json)} ${r.stderr}`).toBe(0);
  }
  for (const ns of [...sb.containers, ...(sb.internet ? [sb.internet] : []), sb.host]) await ns.delete();
}

describe.skipIf(!canRunIntegration || !haveReference || !haveOurs)('cni: ours against the reference bridge plugin', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: same state, same result shape${s.internet ? ', same NAT effect' : ''}`, async () => {
      const ref = await runScenario(s, 'reference');
      const ours = await runScenario(s, 'ours');
      if (process.env.CNI_COMPARE_DUMP) writeFileSync(join(process.env.CNI_COMPARE_DUMP, `${s.name}.json`), JSON.stringify({ ref, ours: { ...ours, sb: undefined } }, (k, v) => (k === 'sb' ? undefined : v), 2));
      try {
        expect(ours.results).toEqual(ref.results);
        expect(ours.state.containers).toEqual(ref.state.containers);
        expect(ours.state.host).toEqual(ref.state.host);
        if (s.internet) {
          expect(ref.effect).toBe(s.internet === 'masqueraded' ? 'OK 203.0.113.1' : 'TIMEOUT');
          expect(ours.effect).toBe(ref.effect);
        }
        if (s.capabilities) {
          // The published port, over IPv4 and IPv6, keeps the client's address with both.
          expect(ref.effect).toBe(JSON.stringify(['OK 203.0.113.2', 'OK 2001:db8:113::2']));
          expect(ours.effect).toBe(ref.effect);
          expect(ours.state.tc).toEqual(ref.state.tc);
        }
        void ALLOWED;
      } finally {
        await teardown(s, ref.sb, 'reference');
        await teardown(s, ours.sb, 'ours');
      }
    });
  }
});
