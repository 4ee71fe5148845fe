import { describe, expect, it } from 'vitest';
import { checkIfname, parseBridgeConfig, parseCniArgs } from '../../lib/cni/config.js';
import { cniMain, CniError, resultFromJson, resultToJson } from '../../lib/cni/index.js';
import { gatewayOf } from '../../lib/cni/bridge.js';

async function run(env: Record<string, string>, stdin: string) {
  let out = '';
  let err = '';
  const status = await cniMain({ env, stdin: async () => Buffer.from(stdin), stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { status, json: out ? JSON.parse(out) : undefined, err };
}

describe('cni: configuration, versions, results, error JSON', () => {
  it('applies the reference defaults and checks the keys', () => {
    const c = parseBridgeConfig('{"cniVersion":"1.0.0","name":"n","isDefaultGateway":true,"ipam":{"type":"host-local"}}');
    expect(c).toMatchObject({ bridge: 'cni0', isGateway: true, ipamType: 'host-local', mtu: 0, vlan: 0 });
    expect(() => parseBridgeConfig('{"name":"n","vlan":5000}')).toThrow(/invalid VLAN ID 5000/);
    expect(() => parseBridgeConfig('{"name":"n","vlan":4095}')).toThrow(expect.objectContaining({ cniCode: 7, msg: 'invalid VLAN ID 4095 (must be between 0 and 4094)' }));
    expect(parseBridgeConfig('{"name":"n","vlan":4094}').vlan).toBe(4094);
    for (const mtu of [67, 65536]) expect(() => parseBridgeConfig({ name: 'n', mtu })).toThrow(expect.objectContaining({ cniCode: 7, msg: `invalid mtu ${mtu}`, details: expect.stringMatching(/68 to 65535/) }));
    expect(parseBridgeConfig({ name: 'n', mtu: 68 }).mtu).toBe(68);
    expect(() => parseBridgeConfig('{"cniVersion":"1.0.0"}')).toThrow(expect.objectContaining({ cniCode: 7, msg: 'missing network name' }));
    expect(() => parseBridgeConfig('{"name":')).toThrow(expect.objectContaining({ cniCode: 6 }));
    expect(() => parseBridgeConfig('{"name":')).toThrow(expect.objectContaining({ cause: expect.any(SyntaxError) }));
    expect(() => parseBridgeConfig({ name: 'n', mtu: 67 })).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', field: 'mtu' }) }));
    expect(() => parseBridgeConfig('{"name":"n","hairpinMode":true,"promiscMode":true}')).toThrow(expect.objectContaining({ cniCode: 7 }));
  });

  it('checks bridge and container interface names by the kernel rules (lib/validate.ts), as codes 7 and 4', () => {
    for (const bridge of ['br\u0000x', 'br%d', 'vethà', 'a/b', 'x'.repeat(16)]) {
      expect(() => parseBridgeConfig({ name: 'n', bridge })).toThrow(expect.objectContaining({ cniCode: 7 }));
    }
    expect(parseBridgeConfig({ name: 'n', bridge: 'x\u3000y' }).bridge).toBe('x\u3000y');
    for (const ifname of ['eth%d', 'ethà', 'eth 0', '..']) expect(() => checkIfname(ifname)).toThrow(expect.objectContaining({ cniCode: 4 }));
    expect(() => checkIfname('eth0.100')).not.toThrow();
    expect(() => parseBridgeConfig('{"name":"n","runtimeConfig":{"mac":"02-00-00-00-00-0g"}}')).toThrow(expect.objectContaining({ cniCode: 7 }));
    expect(parseBridgeConfig('{"name":"n","runtimeConfig":{"mac":"02-00-00-00-00-0A"}}').mac).toBe('02:00:00:00:00:0a');
  });

  it('takes the MAC from CNI_ARGS, args.cni and runtimeConfig, the last winning', () => {
    expect(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:00:00:00:01')).toEqual({ mac: '02:00:00:00:00:01' });
    expect(() => parseCniArgs('FOO=1')).toThrow(CniError);
    const c = parseBridgeConfig('{"name":"n","args":{"cni":{"mac":"02:00:00:00:00:02"}},"runtimeConfig":{"mac":"02:00:00:00:00:03"}}', 'MAC=02:00:00:00:00:01');
    expect(c.mac).toBe('02:00:00:00:00:03');
  });

  it('computes gateways like the reference (network + 1)', () => {
    expect(gatewayOf('10.1.2.3/16')).toBe('10.1.0.1');
    expect(gatewayOf('fd00:1::5/64')).toBe('fd00:1::1');
  });

  it('converts results between versions', () => {
    const r = resultFromJson({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1' }], dns: {} });
    expect(resultToJson(r, '1.0.0')).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }], dns: {} });
    expect(resultToJson(r, '0.3.1')).toEqual({ cniVersion: '0.3.1', ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1' }], dns: {} });
    const old = resultFromJson({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }] } });
    expect(old.ips).toEqual([{ address: '10.0.0.2/24', gateway: '10.0.0.1' }]);
  });

  it('answers VERSION and argument errors with the spec codes, before loading the engine', async () => {
    expect((await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}')).json).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
    expect((await run({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0', CNI_PATH: '/x' }, '{}')).json).toEqual({ cniVersion: '1.1.0', code: 4, msg: 'required env variables [CNI_NETNS] missing' });
    expect((await run({ CNI_COMMAND: 'FOO' }, '')).json).toMatchObject({ code: 4, msg: 'unknown CNI_COMMAND: FOO' });
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/x' };
    expect((await run(env, '{"cniVersion":"2.0.0","name":"n"}')).json).toMatchObject({ code: 1, msg: 'incompatible CNI versions' });
    expect((await run(env, 'not json')).json).toMatchObject({ code: 6 });
    expect((await run({ ...env, CNI_CONTAINERID: '-bad' }, '{"cniVersion":"1.0.0","name":"n"}')).json).toMatchObject({ code: 4 });
    expect((await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, '{"cniVersion":"1.0.0","name":"n"}')).json).toMatchObject({ code: 1, msg: 'config version does not allow GC' });
    const about = await run({}, '');
    expect(about.status).toBe(0);
    expect(about.err).toContain('1.1.0');
  });
});
