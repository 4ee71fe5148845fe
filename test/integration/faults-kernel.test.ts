import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, Namespace, NetlinkError, VethPair } from '../../lib/index.js';
import { decodeMessages, type LinkMessage } from '../../messages/message.js';
import { NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK } from '../../messages/constants.js';
import { collect, ipJson, ipLinkNames, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

// Kernel faults (issue 7): each kernel error surfaces as a NetlinkError with errno, code, the
// operation in words and the extended-ACK text where the kernel sends one.

if (integrationSkipReason !== undefined) console.log(`faults-kernel: ${integrationSkipReason}`);

const P = 'it-flt-';
const CHILD = fileURLToPath(new URL('../../dist/test/integration/faults-eperm-child.js', import.meta.url));

async function failure(action: () => unknown): Promise<NetlinkError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(NetlinkError);
    return error as NetlinkError;
  }
  throw new Error('expected a NetlinkError, got success');
}

/** Raw RTM_NEWLINK bytes (ifinfomsg + attributes) built by hand, decoded so the encoder writes them back unchanged. */
function rawNewlink(attrs: Array<[type: number, payload: Uint8Array]>, flags = NLM_F_CREATE | NLM_F_EXCL): LinkMessage {
  const parts: Buffer[] = [];
  for (const [type, payload] of attrs) {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(4 + payload.length, 0);
    header.writeUInt16LE(type, 2);
    parts.push(header, Buffer.from(payload), Buffer.alloc((4 - (payload.length & 3)) & 3));
  }
  const body = Buffer.concat([Buffer.alloc(16), ...parts]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE(RTM_NEWLINK, 4);
  head.writeUInt16LE(flags, 6);
  const [message] = decodeMessages(Buffer.concat([head, body]));
  return message as LinkMessage;
}

const cstr = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const nested = (attrs: Array<[number, Uint8Array]>) =>
  Buffer.concat(attrs.map(([type, payload]) => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(4 + payload.length, 0);
    h.writeUInt16LE(type, 2);
    return Buffer.concat([h, Buffer.from(payload), Buffer.alloc((4 - (payload.length & 3)) & 3)]);
  }));

describe.skipIf(!canRunIntegration)('kernel faults surface as NetlinkError', () => {
  let ns: Namespace;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}kernel`);
    await VethPair.create({ name: 'v0', namespace: ns, up: true, peer: { name: 'v1', up: true } });
    await ns.addAddress('v0', '10.77.0.1/24');
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(`${P}kernel`))).toEqual([]);
  });

  it('EEXIST: a duplicate address and a duplicate route', async () => {
    const e = await failure(() => ns.addAddress('v0', '10.77.0.1/24'));
    expect(e).toMatchObject({ errno: 17, code: 'EEXIST' });
    expect(e.operation).toContain('RTM_NEWADDR 10.77.0.1/24 dev v0');
    expect(e.operation).toContain(`netns ${P}kernel`);
    expect(e.seq).toBeGreaterThan(0);
    await ns.addRoute({ dst: '10.79.0.0/24', dev: 'v0' });
    const r = await failure(() => ns.addRoute({ dst: '10.79.0.0/24', dev: 'v0' }));
    expect(r).toMatchObject({ code: 'EEXIST' });
    expect(r.operation).toContain('RTM_NEWROUTE 10.79.0.0/24 dev v0');
    expect(r.message).toContain('EEXIST');
  });

  it('ENODEV: a link by name, and a change to an index that does not exist', async () => {
    const e = await failure(() => ns.link('nope0'));
    expect(e).toMatchObject({ errno: 19, code: 'ENODEV' });
    expect(e.operation).toContain('RTM_GETLINK nope0');
    const s = await failure(() => ns.rtnl.setLink(99999, { up: true }));
    expect(s.code).toBe('ENODEV');
    expect(s.operation).toContain('index 99999');
  });

  it('ENETUNREACH: a route via a gateway no link covers, with the kernel text', async () => {
    const e = await failure(() => ns.addRoute({ dst: '10.80.0.0/24', via: '192.168.200.1' }));
    expect(e).toMatchObject({ errno: 101, code: 'ENETUNREACH' });
    expect(e.operation).toContain('RTM_NEWROUTE 10.80.0.0/24 via 192.168.200.1');
    expect(e.kernelMessage).toMatch(/gateway/i);
    expect(e.message).toContain(e.kernelMessage!);
  });

  it('ERANGE: a 16-byte IFLA_IFNAME sent past validation is refused by the kernel policy', async () => {
    const name = 'abcdefghijklmnop';
    const message = rawNewlink([
      [3, cstr(name)], // IFLA_IFNAME, 16 bytes + NUL
      [18, nested([[1, cstr('dummy')]])], // IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }
    ]);
    const e = await failure(() => ns.rtnl.connection.request(message, { operation: `RTM_NEWLINK ${name} (raw)` }));
    expect(e).toMatchObject({ errno: 34, code: 'ERANGE' });
    expect(e.operation).toContain(`RTM_NEWLINK ${name} (raw)`);
    expect(e.kernelMessage).toBeTruthy();
    console.log(`faults: ERANGE kernel text: ${e.kernelMessage}`);
    expect(ipLinkNames(ns).sort()).toEqual(['lo', 'v0', 'v1']);
  });

  it('EINVAL with a message: an MTU above the device maximum, sent past validation', async () => {
    const index = (await ns.link('v0')).index;
    const message: LinkMessage = {
      kind: 'link', type: RTM_NEWLINK, flags: 0, seq: 0, pid: 0,
      body: { family: 0, type: 0, index, flags: 0, change: 0, attrs: { mtu: 70000 } },
    };
    const e = await failure(() => ns.rtnl.connection.request(message, { operation: 'RTM_NEWLINK set v0 mtu 70000 (raw)' }));
    expect(e).toMatchObject({ errno: 22, code: 'EINVAL' });
    expect(e.kernelMessage).toMatch(/mtu/i);
    expect(e.message).toContain(e.kernelMessage!);
    console.log(`faults: EINVAL kernel text: ${e.kernelMessage}`);
    expect((ipJson(ns, ['link', 'show', 'dev', 'v0']) as Json[])[0].mtu).toBe(1500);
  });

  it('EOPNOTSUPP: a bridge with VLAN filtering on this kernel, and nothing left behind', async () => {
    let error: unknown;
    try {
      const br = await Bridge.create({ name: 'br-vf', namespace: ns, vlanFiltering: true });
      await br.delete();
    } catch (e) {
      error = e;
    }
    if (error === undefined) {
      console.log('faults: this kernel supports bridge VLAN filtering: no EOPNOTSUPP to observe');
      return;
    }
    expect(error).toBeInstanceOf(NetlinkError);
    const e = error as NetlinkError;
    expect(e).toMatchObject({ errno: 95, code: 'EOPNOTSUPP' });
    expect(e.operation).toContain('RTM_NEWLINK br-vf type bridge');
    console.log(`faults: EOPNOTSUPP kernel text: ${e.kernelMessage ?? '(none)'}`);
    expect(ipLinkNames(ns)).not.toContain('br-vf');
  });

  it('EPERM without CAP_NET_ADMIN: a compiled script run by setpriv with every capability dropped', async () => {
    expect(existsSync(CHILD), `${CHILD} is missing: build first (the test command does)`).toBe(true);
    const child = ns.spawn('setpriv', [
      '--inh-caps=-all', '--bounding-set=-all', '--reuid=65534', '--regid=65534', '--clear-groups', '--',
      process.execPath, CHILD,
    ]);
    const result = await collect(child, 20_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as Json;
    expect(out.uid).toBe(65534);
    expect(out.links).toEqual(['lo', 'v0', 'v1']);
    for (const key of ['addAddress', 'addRoute']) {
      expect(out[key]).toMatchObject({ name: 'NetlinkError', code: 'EPERM', errno: 1 });
    }
    expect(out.addAddress.operation).toContain('RTM_NEWADDR 10.77.0.9/24 dev v0');
    expect(out.addRoute.operation).toContain('RTM_NEWROUTE 10.78.0.0/24 dev v0');
    expect((ipJson(ns, ['addr', 'show', 'dev', 'v0']) as Json[])[0].addr_info.map((a: Json) => a.local)).not.toContain('10.77.0.9');
  });
});
