import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { Bridge } from '../../lib/bridge.js';
import { Vxlan } from '../../lib/vxlan.js';
import { createLink } from '../../lib/link-factory.js';
import { VethPair } from '../../lib/veth.js';
import { Link } from '../../lib/link.js';
import type { LinkState } from '../../lib/rtnl/links.js';
import { Namespace } from '../../lib/namespace.js';
import { InvalidArgumentError } from '../../lib/validate.js';
import { Rules } from '../../lib/rules.js';
import { TrafficControl } from '../../lib/tc/tc.js';
import { showValue } from '../../messages/errors.js';
import { Nat } from '../../lib/nat/nat.js';
import { NFNETLINK_CODEC, Nftables } from '../../lib/nat/nftables.js';
import { ack, fakeKernel, type FakeTransport } from '../helpers/fake-kernel.js';

// The bad-input table (issue 7): each row is refused before anything is sent to the kernel, with an
// InvalidArgumentError naming the field and the value. The Rtnl client runs over a fake transport
// that records every datagram, so "nothing sent" is `kernel.sent.length === 0`.

interface Setup {
  kernel: FakeTransport;
  rtnl: Rtnl;
  /** What Bridge.create and VethPair.create need of a Namespace. */
  ns: Namespace;
}

function setup(): Setup {
  const kernel = fakeKernel((request) => [ack(request)]);
  const rtnl = new Rtnl(new Connection(kernel));
  const ns = { rtnl, inode: 4026531840, fd: 1000, name: 'fake', toString: () => 'netns fake' } as unknown as Namespace;
  return { kernel, rtnl, ns };
}


interface Row {
  group: string;
  /** The input, as the README table shows it. */
  input: string;
  field: string;
  value: unknown;
  call: (s: Setup) => Promise<unknown>;
}

const LONE_SURROGATE = 'eth\ud800';
const rows: Row[] = [
  // Interface names
  ...(
    [
      ["''", ''],
      ['16 bytes', 'abcdefghijklmnop'],
      ["containing '/'", 'eth/0'],
      ["containing ':'", 'eth:0'],
      ['containing a space', 'eth 0'],
      ['containing a tab', 'eth\t0'],
      ['not UTF-8 (lone surrogate)', LONE_SURROGATE],
      ["containing '%' (the kernel would pick the name)", 'br%d'],
      ['containing byte 0xA0 (the kernel\'s isspace: à is C3 A0)', 'vethà'],
      ['containing a NUL', 'eth\u00000'],
    ] as const
  ).flatMap(([input, name]): Row[] => [
    { group: 'interface name', input: `${input}: Bridge.create`, field: 'name', value: name, call: (s) => Bridge.create({ name, namespace: s.ns }) },
    { group: 'interface name', input: `${input}: rename`, field: 'name', value: name, call: (s) => s.rtnl.setLink(2, { name }) },
    { group: 'interface name', input: `${input}: lookup`, field: 'dev', value: name, call: (s) => s.rtnl.link(name) },
    { group: 'interface name', input: `${input}: veth peer`, field: 'peer.name', value: name, call: (s) => VethPair.create({ name: 'veth0', namespace: s.ns, peer: { name } }) },
  ]),
  // CIDRs
  ...['10.0.0.1/33', '300.1.1.1/24', '10.0.0/24', 'fe80::1/129', '::ffff:1.2.3.4/200'].flatMap((cidr): Row[] => [
    { group: 'CIDR', input: `${cidr}: addAddress`, field: 'address', value: cidr, call: (s) => s.rtnl.addAddress(2, cidr) },
    { group: 'CIDR', input: `${cidr}: addRoute dst`, field: 'dst', value: cidr, call: (s) => s.rtnl.addRoute({ dst: cidr, dev: 2 }) },
  ]),
  { group: 'CIDR', input: 'bare address 10.0.0.2 where a prefix is needed: addAddress', field: 'address', value: '10.0.0.2', call: (s) => s.rtnl.addAddress(2, '10.0.0.2') },
  { group: 'CIDR', input: 'bare address fd00::2 where a prefix is needed: addAddress', field: 'address', value: 'fd00::2', call: (s) => s.rtnl.addAddress(2, 'fd00::2') },
  // MACs
  ...(
    [
      ['zz:zz:zz:zz:zz:zz', 'zz:zz:zz:zz:zz:zz'],
      ['five bytes', '02:00:00:00:00'],
      ['seven bytes', '02:00:00:00:00:00:01'],
    ] as const
  ).flatMap(([input, mac]): Row[] => [
    { group: 'MAC', input: `${input}: Bridge.create`, field: 'mac', value: mac, call: (s) => Bridge.create({ name: 'br0', namespace: s.ns, mac }) },
    { group: 'MAC', input: `${input}: setMac`, field: 'mac', value: mac, call: (s) => s.rtnl.setLink(2, { mac }) },
  ]),
  // Namespace names
  ...(
    [
      ["''", ''],
      ["'.'", '.'],
      ["'..'", '..'],
      ["'a/b'", 'a/b'],
      ['256 bytes', 'n'.repeat(256)],
    ] as const
  ).flatMap(([input, name]): Row[] => [
    { group: 'namespace name', input: `${input}: Namespace.create`, field: 'namespace name', value: name, call: () => Namespace.create(name, { dir: '/nonexistent/netns-rtnl-bad-input' }) },
    { group: 'namespace name', input: `${input}: Namespace.open`, field: 'namespace name', value: name, call: () => Namespace.open(name, { dir: '/nonexistent/netns-rtnl-bad-input' }) },
  ]),
  // Gateways
  { group: 'gateway', input: 'IPv6 gateway for an IPv4 route', field: 'via', value: 'fd00::1', call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', via: 'fd00::1' }) },
  { group: 'gateway', input: 'IPv4 gateway for an IPv6 route', field: 'via', value: '10.0.0.1', call: (s) => s.rtnl.addRoute({ dst: 'fd01::/64', via: '10.0.0.1' }) },
  { group: 'gateway', input: 'IPv6 gateway for a default route of family 4', field: 'via', value: 'fd00::1', call: (s) => s.rtnl.addRoute({ dst: 'default', family: 4, via: 'fd00::1' }) },
  // MTUs
  ...[0, -1, 70000, 1.5].flatMap((mtu): Row[] => [
    { group: 'MTU', input: `${mtu}: Bridge.create`, field: 'mtu', value: mtu, call: (s) => Bridge.create({ name: 'br0', namespace: s.ns, mtu }) },
    { group: 'MTU', input: `${mtu}: setMtu`, field: 'mtu', value: mtu, call: (s) => s.rtnl.setLink(2, { mtu }) },
    { group: 'MTU', input: `${mtu}: route mtu`, field: 'mtu', value: mtu, call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 2, mtu }) },
  ]),
  // Tables
  { group: 'table', input: '2^32 + 1', field: 'table', value: 2 ** 32 + 1, call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 2, table: 2 ** 32 + 1 }) },
  { group: 'table', input: '2^32', field: 'table', value: 2 ** 32, call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 2, table: 2 ** 32 }) },
  // 'default' with a prefix
  { group: 'route', input: "'default/0'", field: 'dst', value: 'default/0', call: (s) => s.rtnl.addRoute({ dst: 'default/0', via: '10.0.0.1' }) },
  { group: 'route', input: "'default/24'", field: 'dst', value: 'default/24', call: (s) => s.rtnl.addRoute({ dst: 'default/24', dev: 2 }) },
  // Policy routing rules
  ...[-1, 2 ** 32, 1.5].map((priority): Row => ({
    group: 'rule', input: `priority ${priority}`, field: 'priority', value: priority,
    call: (s) => new Rules(s.rtnl.connection).add({ from: '10.0.1.0/24', table: 100, priority }),
  })),
  { group: 'rule', input: 'from of the other family', field: 'to', value: 'fd00::/64', call: (s) => new Rules(s.rtnl.connection).add({ from: '10.0.1.0/24', to: 'fd00::/64', table: 100 }) },
  { group: 'rule', input: 'no table and no action', field: 'table', value: undefined, call: (s) => new Rules(s.rtnl.connection).add({ from: '10.0.1.0/24' }) },
  // Published ports (a Nat over the same recording fake: nothing may reach it)
  ...[0, 65536, 80.5].map((port): Row => ({
    group: 'publish', input: `port ${port}`, field: 'port', value: port,
    call: (s) => new Nat(new Nftables(new Connection(s.kernel, { codec: NFNETLINK_CODEC }))).publish({ port, to: '10.0.1.2:80' }),
  })),
  { group: 'publish', input: "to 'web:80'", field: 'to', value: 'web:80', call: (s) => new Nat(new Nftables(new Connection(s.kernel, { codec: NFNETLINK_CODEC }))).publish({ port: 8080, to: 'web:80' }) },
  // Rates
  ...[0, -8, '0mbit', '10 parsecs'].map((rate): Row => ({
    group: 'rate', input: `egress rate ${JSON.stringify(rate)}`, field: 'rate', value: rate,
    call: (s) => new TrafficControl(s.ns).limitBandwidth('veth0', { egress: { rate } }),
  })),
  { group: 'rate', input: 'tbf rate 0', field: 'rate', value: 0, call: (s) => new TrafficControl(s.ns).addQdisc('veth0', { kind: 'tbf', rate: 0 }) },
  { group: 'rate', input: 'burst 0', field: 'burst', value: 0, call: (s) => new TrafficControl(s.ns).limitBandwidth('veth0', { ingress: { rate: '10mbit', burst: 0 } }) },
  // Namespace files that are not network namespaces (a FIFO, a socket, symlinks: test/integration/namespace-paths)
  ...['/proc/self/ns/mnt', '/proc/self/ns/uts', '/dev/null', '/etc/passwd', '/'].map((path): Row => ({
    group: 'namespace file',
    input: path,
    field: 'namespace',
    value: path,
    call: () => Namespace.open({ path }),
  })),
  // Names that are prototype members are not names (looked up as own properties), refused before
  // the device lookup is sent
  { group: 'enum name', input: "route scope 'toString'", field: 'scope', value: 'toString', call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 'eth0', scope: 'toString' as never }) },
  { group: 'enum name', input: "route protocol '__proto__'", field: 'protocol', value: '__proto__', call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 'eth0', protocol: '__proto__' as never }) },
  { group: 'enum name', input: "route type 'constructor'", field: 'type', value: 'constructor', call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 'eth0', type: 'constructor' as never }) },
  { group: 'enum name', input: "route table 'hasOwnProperty'", field: 'table', value: 'hasOwnProperty', call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', dev: 'eth0', table: 'hasOwnProperty' as never }) },
  { group: 'enum name', input: "neighbour state 'toString'", field: 'state', value: 'toString', call: (s) => s.rtnl.addNeighbor({ dst: '10.0.0.9', lladdr: '02:00:00:00:00:01', dev: 'eth0', state: 'toString' as never }) },
  { group: 'enum name', input: "address scope 'valueOf'", field: 'scope', value: 'valueOf', call: (s) => s.rtnl.addAddress('eth0', '10.0.0.2/24', { scope: 'valueOf' as never }) },
  { group: 'enum name', input: "routes() filter protocol 'toString', with a dev to look up", field: 'protocol', value: 'toString', call: (s) => s.rtnl.routes({ dev: 'eth0', protocol: 'toString' as never }) },
  // Fields checked for what they are
  { group: 'family', input: "route family '4' (a string)", field: 'family', value: '4', call: (s) => s.rtnl.addRoute({ dst: 'default', family: '4' as never, via: '10.0.0.1' }) },
  { group: 'family', input: 'route family 5', field: 'family', value: 5, call: (s) => s.rtnl.addRoute({ dst: '10.1.0.0/24', family: 5 as never, dev: 2 }) },
  { group: 'family', input: 'routes({ family: 5 })', field: 'family', value: 5, call: (s) => s.rtnl.routes({ family: 5 as never, dev: 'eth0' }) },
  { group: 'family', input: 'addresses({ family: 5 })', field: 'family', value: 5, call: (s) => s.rtnl.addresses({ family: 5 as never, dev: 'eth0' }) },
  { group: 'family', input: "neighbors({ family: 'inet' })", field: 'family', value: 'inet', call: (s) => s.rtnl.neighbors({ family: 'inet' as never, dev: 'eth0' }) },
  { group: 'options', input: 'addAddress(dev, cidr, null)', field: 'options', value: null, call: (s) => s.rtnl.addAddress('eth0', '10.0.0.2/24', null as never) },
  { group: 'options', input: 'addresses(null)', field: 'filter', value: null, call: (s) => s.rtnl.addresses(null as never) },
  { group: 'options', input: 'Bridge.create(null)', field: 'options', value: null, call: () => Bridge.create(null as never) },
  { group: 'options', input: 'Vxlan.create(null)', field: 'options', value: null, call: () => Vxlan.create(null as never) },
  { group: 'device', input: "Bridge.create({ master: { index: 0 } })", field: 'master.index', value: 0, call: (s) => Bridge.create({ name: 'br0', namespace: s.ns, master: { index: 0, name: 'x' } }) },
  { group: 'device', input: "VethPair.create({ peer: { master: '' } })", field: 'peer.master', value: '', call: (s) => VethPair.create({ name: 'va', namespace: s.ns, peer: { name: 'vb', master: '' } }) },
  { group: 'device', input: "Vxlan.create({ dev: 'a/b' })", field: 'dev', value: 'a/b', call: (s) => Vxlan.create({ name: 'vx0', namespace: s.ns, vni: 1, dev: 'a/b' }) },
  { group: 'bridge vlan', input: "rtnl.addBridgeVlan('eth0', { vid: 0 })", field: 'vid', value: 0, call: (s) => s.rtnl.addBridgeVlan('eth0', { vid: 0 }) },
  { group: 'bridge vlan', input: "rtnl.deleteBridgeVlan('eth0', { vid: 4095 })", field: 'vid', value: 4095, call: (s) => s.rtnl.deleteBridgeVlan('eth0', { vid: 4095 }) },
  { group: 'options', input: 'createLink(null)', field: 'options', value: null, call: () => createLink(null as never) },
  { group: 'options', input: "createLink({ kind: 'nosuch' })", field: 'kind', value: 'nosuch', call: (s) => createLink({ kind: 'nosuch' as never, name: 'x0', namespace: s.ns } as never) },
  ...(() => {
    const notANamespace = {};
    return [
      { group: 'namespace', input: 'link.moveTo({})', field: 'namespace', value: notANamespace, call: (s: Setup) => new Link(s.ns, { index: 2, name: 'eth0' } as LinkState).moveTo(notANamespace as never) },
      { group: 'namespace', input: 'ns.setNsid({}, 1)', field: 'other', value: notANamespace, call: (s: Setup) => Namespace.prototype.setNsid.call(s.ns, notANamespace as never, 1) },
      { group: 'namespace', input: 'VethPair.create({ namespace: {} })', field: 'namespace', value: notANamespace, call: () => VethPair.create({ name: 'va', namespace: notANamespace as never, peer: { name: 'vb' } }) },
      { group: 'namespace', input: "Bridge.create({ name: 'br0', namespace: {} })", field: 'namespace', value: notANamespace, call: () => Bridge.create({ name: 'br0', namespace: notANamespace as never }) },
    ] satisfies Row[];
  })(),
  {
    group: 'namespace', input: 'delete() of a namespace with no name', field: 'namespace', value: '/proc/thread-self/ns/net',
    call: async () => {
      const current = Namespace.current();
      try {
        await current.delete();
      } finally {
        current.close();
      }
    },
  },
  { group: 'rename', input: "setLinkByName('eth0', { name: 'eth1' })", field: 'changes.name', value: 'eth1', call: (s) => s.rtnl.setLinkByName('eth0', { name: 'eth1' }) },
  // sysctls (checked before the namespace is entered)
  ...(
    [
      ['value null', 'value', 'net.ipv4.ip_forward', null],
      ['value {}', 'value', 'net.ipv4.ip_forward', {}],
      ['value NaN', 'value', 'net.ipv4.ip_forward', Number.NaN],
      ['key outside net.*', 'sysctl', 'kernel.hostname', '1'],
      ["key with '..' as a component", 'sysctl', ['net', 'ipv4', '..', '..', 'kernel', 'hostname'], '1'],
    ] as const
  ).map(([input, field, key, value]): Row => ({
    group: 'sysctl',
    input,
    field,
    value: field === 'value' ? value : key,
    call: async (s) => Namespace.prototype.sysctl.call(s.ns, key as `net.${string}`, value as unknown as string),
  })),
  // A veth whose peer has its name, in the same namespace
  {
    group: 'veth',
    input: 'peer with the same name in the same namespace',
    field: 'peer.name',
    value: 'veth0',
    call: (s) => VethPair.create({ name: 'veth0', namespace: s.ns, peer: { name: 'veth0', namespace: s.ns } }),
  },
];

describe('bad-input table: refused before anything is sent, naming field and value', () => {
  it.each(rows.map((r) => [`${r.group}: ${r.input}`, r] as const))('%s', async (_title, row) => {
    const s = setup();
    const error = await row.call(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'the call was not refused').toBeInstanceOf(InvalidArgumentError);
    const e = error as InvalidArgumentError;
    expect(e.field).toBe(row.field);
    expect(Object.is(e.value, row.value)).toBe(true);
    expect(e.message.startsWith(`${row.field}: `)).toBe(true);
    expect(e.message).toContain(showValue(row.value));
    expect(s.kernel.sent.length).toBe(0);
  });

  it('the fake kernel does record what is sent (the assertion above is not vacuous)', async () => {
    const s = setup();
    await s.rtnl.setLink(2, { mtu: 1400 });
    expect(s.kernel.sent.length).toBe(1);
  });
});
