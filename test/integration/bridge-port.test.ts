/**
 * Promiscuous mode, bridge port settings and bridge VLANs through the object model, each checked
 * against what iproute2 reads back (`ip -d link show`, `bridge vlan show`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, InvalidArgumentError, Namespace, NetlinkError, VethPair, type Link } from '../../lib/index.js';
import { bridgePortMessage, bridgeVlanMessage } from '../../lib/rtnl/bridge-port.js';
import { decodeAttributes } from '../../messages/attributes/walk.js';
import { bridgePortAttributes } from '../../messages/link/kinds/bridge-port.js';
import { decodeMessages } from '../../messages/message.js';
import { Source } from '../../messages/source.js';
import { bridgeJson, ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration } from '../helpers/sandbox.js';
// @ts-expect-error: plain ESM helper of the capture scripts, without types
import { datagrams, run, straceCommand } from '../fixtures/strace-netlink.mjs';

const P = `it-brport-${process.pid}-`;

/** Whether this kernel can make a VLAN-filtering bridge (asked once, in a namespace of its own). */
function vlanFilteringKernel(): boolean {
  if (!canRunIntegration) return false;
  const r = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'brvf', 'type', 'bridge', 'vlan_filtering', '1'], { stdio: 'ignore' });
  return r.status === 0;
}

describe.skipIf(!canRunIntegration)('bridge ports through the object model', () => {
  let ns: Namespace;
  let bridge: Bridge;
  let port: Link;
  /** This kernel's bridge filters VLANs (CONFIG_BRIDGE_VLAN_FILTERING); not every kernel is built with it. */
  let vlanFiltering = true;

  const detail = (name: string): Json => ipJson(ns, ['-d', 'link', 'show', 'dev', name])[0];

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    bridge = await Bridge.create({ name: 'br0', namespace: ns, up: true, vlanFiltering: true }).catch(async (error: unknown) => {
      if ((error as NetlinkError).code !== 'EOPNOTSUPP') throw error;
      vlanFiltering = false;
      return Bridge.create({ name: 'br0', namespace: ns, up: true });
    });
    const pair = await VethPair.create({ name: 'vp0', namespace: ns, up: true, peer: { name: 'vp1' } });
    port = await pair.link.setMaster(bridge);
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it('promiscuous mode on and off, as ip sees it', async () => {
    expect(bridge.isPromiscuous).toBe(false);
    await bridge.setPromiscuous(true);
    expect(bridge.isPromiscuous).toBe(true);
    expect(detail('br0').flags).toContain('PROMISC');
    expect((await bridge.refresh()).isPromiscuous).toBe(true);
    await bridge.setPromiscuous(false);
    expect(detail('br0').flags).not.toContain('PROMISC');
    expect((await bridge.refresh()).isPromiscuous).toBe(false);
  });

  it('a link can be created promiscuous', async () => {
    const other = await Bridge.create({ name: 'br1', namespace: ns, promisc: true });
    expect(other.isPromiscuous).toBe(true);
    expect(detail('br1').flags).toContain('PROMISC');
    await other.delete();
  });

  it('bridge port settings: hairpin, learning, flooding, cost, priority', async () => {
    expect(detail('vp0').linkinfo.info_slave_data).toMatchObject({ hairpin: false, learning: true, flood: true });
    await port.setBridgePort({ hairpin: true, learning: false, unicastFlood: false, cost: 7, priority: 9 });
    expect(detail('vp0').linkinfo.info_slave_data).toMatchObject({ hairpin: true, learning: false, flood: false, cost: 7, priority: 9 });
    await port.setBridgePort({ hairpin: false });
    expect(detail('vp0').linkinfo.info_slave_data).toMatchObject({ hairpin: false, learning: false });
  });

  /** The last RTM_* message of `type` iproute2 sends for `command` (run in our namespace under strace). */
  function iproute2Sends(command: string, type: number): Json {
    const dir = mkdtempSync(join(tmpdir(), 'it-brport-'));
    try {
      const trace = join(dir, 'trace');
      // Whether the kernel then accepts it does not matter here (a kernel without VLAN filtering refuses).
      run([...straceCommand(trace), ...command.split(' ')], { allowFail: true });
      const { sent } = datagrams(readFileSync(trace, 'utf8'), 0) as { sent: Array<{ bytes: Uint8Array }> };
      const message = sent.flatMap((d) => decodeMessages(d.bytes)).filter((m) => m.type === type).at(-1);
      if (!message) throw new Error(`${command}: no message of type ${type} sent`);
      return message.body;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('sends what iproute2 sends for hairpin, vlan add and vlan del', () => {
    // iproute2 names the port's kind in IFLA_INFO_KIND ("bridge_slave"), we in IFLA_INFO_SLAVE_KIND
    // ("bridge"); the kernel takes either for a change. The IFLA_BRPORT_* attributes are the same.
    const ip = iproute2Sends(`ip -n ${ns.name} link set vp0 type bridge_slave hairpin on`, 16);
    const ours = bridgePortMessage(port.index, { hairpin: true }).body;
    expect(ip.attrs.linkinfo.kind).toBe('bridge_slave');
    const raw = ip.attrs.linkinfo.slaveData as Uint8Array;
    expect(decodeAttributes(bridgePortAttributes, new Source(raw), 0, raw.length)).toEqual(ours.attrs.linkinfo!.slaveData);
    expect({ ...ours, attrs: {} }).toEqual({ ...ip, attrs: {} });
    expect(bridgeVlanMessage('add', port.index, { vid: 10, pvid: true, untagged: true }).body).toEqual(
      iproute2Sends(`bridge -n ${ns.name} vlan add dev vp0 vid 10 pvid untagged master`, 19),
    );
    expect(bridgeVlanMessage('delete', port.index, { vid: 10 }).body).toEqual(iproute2Sends(`bridge -n ${ns.name} vlan del dev vp0 vid 10 master`, 17));
  });

  it('a kernel without VLAN filtering refuses a VLAN, and the error names the port', async () => {
    if (vlanFiltering) return;
    const error = await port.addVlan({ vid: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).code).toBe('EOPNOTSUPP');
    expect((error as Error).message).toContain('bridge vlan add dev vp0 vid 10');
  });

  it.skipIf(!vlanFilteringKernel())('bridge VLANs: add with pvid and untagged, list, delete', async () => {
    await port.addVlan({ vid: 10, pvid: true, untagged: true });
    await port.addVlan({ vid: 20 });
    const seen = (bridgeJson(ns, ['vlan', 'show', 'dev', 'vp0']) as Json[])[0].vlans as Json[];
    expect(seen).toEqual([{ vlan: 10, flags: ['PVID', 'Egress Untagged'] }, { vlan: 20 }]);
    expect(await port.vlans()).toEqual([
      { vid: 10, pvid: true, untagged: true },
      { vid: 20, pvid: false, untagged: false },
    ]);
    await port.deleteVlan(20);
    await port.deleteVlan(10);
    expect(await port.vlans()).toEqual([]);
  });

  it('bad settings are refused before anything is sent; kernel refusals name the device', async () => {
    await expect(port.setBridgePort({ hairpin: 'yes' as unknown as boolean })).rejects.toThrow(InvalidArgumentError);
    await expect(port.setBridgePort({ hairpn: true } as never)).rejects.toThrow(/hairpn/);
    await expect(port.setBridgePort({})).rejects.toThrow(/changes nothing/);
    await expect(port.addVlan({ vid: 4095 })).rejects.toThrow(/^vid: 4095/);
    await expect(bridge.setPromiscuous(1 as unknown as boolean)).rejects.toThrow(InvalidArgumentError);
    // lo is no bridge port: the kernel refuses, and says so about lo.
    const lo = await ns.link('lo');
    const error = await lo.setBridgePort({ hairpin: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as Error).message).toMatch(/^RTM_NEWLINK lo bridge port hairpin true/);
  });
});
