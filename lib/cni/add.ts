/** ADD: the bridge (made if missing), the veth pair, the container's addresses and routes, the gateway, NAT. */
import { IFA_F_DADFAILED, IFA_F_TENTATIVE } from '../../messages/address/constants.js';
import { IFF_PROMISC } from '../../messages/link/index.js';
import type { Address } from '../rtnl/addresses.js';
import type { LinkState } from '../rtnl/links.js';
import { Bridge } from '../bridge.js';
import { VethPair } from '../veth.js';
import type { Namespace } from '../namespace.js';
import { addressOptions, calcGateways, familyOf, hostCidr, networkCidr, prefixContains, routeSpec, sameAddress } from './addressing.js';
import { containerRequest, ensureSysctl, errno, ipam, loadNat, logCniOutcome, natOwner, openContainerAndHost, removeNat, sysctlIfPresent, type AttachOptions, type ConfigInput } from './call.js';
import type { BridgeConfig } from './config.js';
import { CNI_ERRORS, CniError } from './errors.js';
import type { Reservation } from './early-ipam.js';
import type { CniEnv } from './exec.js';
import { applyCapabilities, parseCapabilities, type Capabilities } from './capabilities.js';
import { resultFromJson, type CniResult } from './types.js';
import { markOneOffCall } from './one-off-call.js';
import { monotonicMs } from '../clock.js';

function vlanError(n: BridgeConfig, error: unknown): CniError {
  return new CniError(
    CNI_ERRORS.INVALID_NETWORK_CONFIG,
    `vlan ${n.vlan}: this kernel's bridge cannot filter VLANs (${errno(error) ?? (error as Error).message}); it needs CONFIG_BRIDGE_VLAN_FILTERING, or remove "vlan" from the network configuration`,
    undefined,
    { cause: error },
  );
}

/** ensureBridge: the bridge, created up (with mtu, promisc, vlan filtering) if it is not there. */
async function ensureBridge(host: Namespace, n: BridgeConfig): Promise<Readonly<LinkState>> {
  let state: Readonly<LinkState> | undefined;
  try {
    state = await host.rtnl.link(n.bridge);
  } catch (error) {
    if (errno(error) !== 'ENODEV') throw error;
  }
  if (state === undefined) {
    markOneOffCall();
    try {
      const options = { up: true, ...(n.promiscMode ? { promisc: true } : {}), ...(n.mtu ? { mtu: n.mtu } : {}), ...(n.vlan ? { vlanFiltering: true } : {}) };
      state = (await Bridge.create({ name: n.bridge, namespace: host, ...options })).state;
    } catch (error) {
      if (n.vlan && (errno(error) === 'EOPNOTSUPP' || errno(error) === 'EINVAL')) throw vlanError(n, error);
      if (errno(error) !== 'EEXIST') throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to create bridge "${n.bridge}": could not add "${n.bridge}"`, error);
      state = await host.rtnl.link(n.bridge);
    }
  }
  if (state.kind !== 'bridge') throw new CniError(CNI_ERRORS.INTERNAL, `failed to create bridge "${n.bridge}": "${n.bridge}" already exists but is not a bridge`);
  if (n.promiscMode && !(state.flags & IFF_PROMISC)) await host.rtnl.setLink(state, { promisc: true });
  // "we want to own the routes for this interface"
  sysctlIfPresent(host, ['ipv6', 'conf', n.bridge, 'accept_ra'], '0');
  if (!state.up) await host.rtnl.setLink(state.index, { up: true });
  return state;
}

/** ensureAddr: the gateway address on the bridge; another one in the way is an error unless forceAddress. */
async function ensureAddr(host: Namespace, bridge: Readonly<LinkState>, gw: string, n: BridgeConfig): Promise<void> {
  const family = familyOf(gw);
  const existing = await host.rtnl.addresses({ family, dev: bridge.index });
  const gwIp = gw.split('/')[0]!;
  for (const a of existing) {
    if (a.family === 6 && a.scope === 'link') continue;
    if (sameAddress(a.address, gwIp) && a.prefixlen === Number(gw.split('/')[1])) return;
    if (family === 4 || prefixContains(a.cidr, gwIp) || prefixContains(gw, a.address)) {
      if (!n.forceAddress) throw new CniError(CNI_ERRORS.INTERNAL, `failed to set bridge addr: "${n.bridge}" already has an IP address different from ${gw}`);
      await host.rtnl.deleteAddress(bridge.index, a.cidr);
    }
  }
  try {
    await host.rtnl.addAddress(bridge.index, gw, addressOptions(gw));
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to set bridge addr: could not add IP address to "${n.bridge}"`, error);
  }
  // Pin the bridge's MAC, so that it does not follow the lowest port MAC as ports come and go.
  if (bridge.mac) await host.rtnl.setLink(bridge, { mac: bridge.mac });
}

/** Waits (like ip.SettleAddresses) until no address of the interface is tentative. */
async function settleAddresses(ns: Namespace, index: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addrs: Address[] = await ns.rtnl.addresses({ dev: index });
    if (!addrs.some((a) => a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) return;
    if (Date.now() > deadline) throw new CniError(CNI_ERRORS.INTERNAL, `link still has tentative addresses after ${timeoutMs / 1000} seconds`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * ADD: attaches a container to the bridge network `config` and returns the CNI result (the same
 * object the executable prints). Anything made before a failure is removed again (veth, IPAM
 * reservation, NAT rules); the bridge and its gateway address, shared by the network, stay.
 */
export function attachContainer(input: ConfigInput, options: AttachOptions): Promise<CniResult> {
  return attachNow(input, options, undefined);
}

/**
 * attachContainer, with the IPAM reservation perhaps started already by the cni-bridge executable
 * (lib/cni/early-ipam.ts): its result stands for the IPAM plugin's, and it is released if the ADD
 * fails, once the rest is undone.
 */
export async function attach(input: ConfigInput, options: AttachOptions, reservation: Reservation | undefined): Promise<CniResult> {
  try {
    return await attachNow(input, options, reservation?.result);
  } catch (error) {
    await reservation?.release();
    throw error;
  }
}

async function attachNow(input: ConfigInput, options: AttachOptions, reserved: Promise<unknown> | undefined): Promise<CniResult> {
  const start = monotonicMs();
  const { n, env } = containerRequest(input, options);
  const caps = parseCapabilities(n.raw);
  const { container, host } = await openContainerAndHost(options);
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const result = await add(n, options, env, host, container, undo, caps, reserved);
    undo.length = 0;
    logCniOutcome('ADD', n, options, start, result);
    return result;
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    const failure = CniError.from(error);
    logCniOutcome('ADD', n, options, start, failure);
    throw failure;
  } finally {
    container.close();
    host.close();
  }
}

/**
 * veth + 8 hex digits, as the reference names the host end. Math.random, not node:crypto: the name
 * needs to be unlikely to clash (a clash is retried), not secret, and loading node:crypto is
 * several ms of every ADD.
 */
function randomVethName(): string {
  return `veth${Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0')}`;
}

async function add(
  n: BridgeConfig,
  options: AttachOptions,
  env: CniEnv,
  host: Namespace,
  container: Namespace,
  undo: Array<() => Promise<unknown>>,
  caps: Capabilities,
  reserved: Promise<unknown> | undefined,
): Promise<CniResult> {
  const isLayer3 = n.ipamType !== '';
  const bridge = await ensureBridge(host, n);

  // The veth: host end (random name, on the bridge, up) and container end, in one request.
  let hostName = '';
  let pair: VethPair;
  for (let attempt = 0; ; attempt++) {
    hostName = randomVethName();
    try {
      pair = await VethPair.create({
        name: hostName,
        namespace: host,
        up: true,
        master: bridge.index,
        // txqlen 0 on both ends, as the reference's netlink library sends it (veths are noqueue anyway).
        txqlen: 0,
        ...(n.mtu ? { mtu: n.mtu } : {}),
        peer: { name: options.ifname, namespace: container, txqlen: 0, ...(n.mtu ? { mtu: n.mtu } : {}), ...(n.mac ? { mac: n.mac } : {}) },
      });
      break;
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to make veth pair`, error);
      const taken = await container.rtnl.link(options.ifname).then(() => true, () => false);
      if (taken) throw new CniError(CNI_ERRORS.INTERNAL, `container veth name provided (${options.ifname}) already exists`);
      if (attempt >= 9) throw new CniError(CNI_ERRORS.INTERNAL, 'failed to find a unique veth name');
    }
  }
  const hostLink = pair.link.state;
  undo.push(() => host.rtnl.deleteLink(hostLink.index));
  const contLink = pair.peer.state;
  sysctlIfPresent(host, ['ipv6', 'conf', hostName, 'accept_ra'], '0');
  if (n.hairpinMode) await host.rtnl.setBridgePort(hostLink, { hairpin: true });
  if (n.vlan) {
    try {
      await host.rtnl.addBridgeVlan(hostLink, { vid: n.vlan, pvid: true, untagged: true });
    } catch (error) {
      throw vlanError(n, error);
    }
  }

  const prev = n.prevResult;
  const base = prev?.interfaces?.length ?? 0;
  const result: CniResult = {
    cniVersion: n.cniVersion,
    interfaces: [
      ...(prev?.interfaces ?? []),
      { name: n.bridge, mac: bridge.mac ?? '' },
      { name: hostName, mac: hostLink.mac ?? '' },
      { name: options.ifname, mac: contLink.mac ?? '', sandbox: env.netns },
    ],
    dns: {},
  };
  if (prev?.ips?.length) result.ips = prev.ips.map((ip) => ({ ...ip }));
  if (prev?.routes?.length) result.routes = prev.routes.map((r) => ({ ...r }));
  const containerIndex = base + 2;

  if (isLayer3) {
    // A reservation made early is released by attach(), after the rest is undone.
    const raw = await (reserved ?? ipam('ADD', n, env, host));
    if (reserved === undefined) undo.push(() => ipam('DEL', n, env, host));
    const given = resultFromJson(raw, `result of IPAM plugin ${n.ipamType}`);
    if (!given.ips?.length) throw new CniError(CNI_ERRORS.INTERNAL, 'IPAM plugin returned missing IP config');
    const ours: CniResult = { cniVersion: n.cniVersion, ips: given.ips, ...(given.routes ? { routes: given.routes } : {}), dns: given.dns };
    const gws = calcGateways(ours, n, containerIndex);

    // The container side: sysctls, addresses, up, routes (ipam.ConfigureIface).
    const dad = n.enableDad ? '1' : '0';
    if (n.enableDad) sysctlIfPresent(container, ['ipv6', 'conf', options.ifname, 'enhanced_dad'], '1');
    sysctlIfPresent(container, ['ipv6', 'conf', options.ifname, 'accept_dad'], dad);
    sysctlIfPresent(container, ['ipv4', 'conf', options.ifname, 'arp_notify'], '1');
    let v4gw: string | undefined;
    let v6gw: string | undefined;
    let ipv6Enabled = false;
    for (const ip of ours.ips!) {
      if (!ipv6Enabled && familyOf(ip.address) === 6) {
        for (const dev of ['lo', options.ifname]) {
          const value = sysctlIfPresent(container, ['ipv6', 'conf', dev, 'disable_ipv6']);
          if (value !== undefined && value !== '0') sysctlIfPresent(container, ['ipv6', 'conf', dev, 'disable_ipv6'], '0');
        }
        ipv6Enabled = true;
      }
      try {
        await container.rtnl.addAddress(contLink.index, ip.address, addressOptions(ip.address));
      } catch (error) {
        throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to add IP addr ${ip.address} to "${options.ifname}"`, error);
      }
      if (ip.gateway !== undefined) {
        if (familyOf(ip.gateway) === 4) v4gw ??= ip.gateway;
        else v6gw ??= ip.gateway;
      }
    }
    await container.rtnl.setLink(contLink.index, { up: true });
    if (v6gw !== undefined) await settleAddresses(container, contLink.index);
    for (const route of ours.routes ?? []) {
      const gw = route.gw ?? (familyOf(route.dst) === 4 ? v4gw : v6gw);
      try {
        await container.rtnl.addRoute(routeSpec(route, contLink.index, gw));
      } catch (error) {
        throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to add route '${route.dst} via ${gw ?? '<nil>'} dev ${options.ifname}'`, error);
      }
    }

    if (n.isGateway) {
      for (const [family, list] of [[4, gws.v4], [6, gws.v6]] as const) {
        for (const gw of list) await ensureAddr(host, bridge, gw, n);
        if (list.length) ensureSysctl(host, family === 4 ? ['ipv4', 'ip_forward'] : ['ipv6', 'conf', 'all', 'forwarding'], '1');
      }
    }

    if (n.ipMasq) {
      const owner = natOwner(n.name, options.containerId, options.ifname);
      const nat = await loadNat(host, options.logger);
      try {
        undo.push(() => removeNat(host, (o) => o === owner));
        for (const ip of ours.ips!) {
          await nat.masquerade({ source: hostCidr(ip.address), exceptDestination: networkCidr(ip.address), owner });
        }
      } finally {
        nat.close();
      }
    }

    // portMappings and bandwidth, as the portmap and bandwidth plugins would do after us.
    if (caps.bandwidth || caps.portMappings.length) {
      const owner = natOwner(n.name, options.containerId, options.ifname);
      const made = await applyCapabilities(host, caps, { owner, hostLink, ips: ours.ips!, subnets: ours.ips!.map((ip) => networkCidr(ip.address)) }, undo);
      if (made.ifb) result.interfaces!.push(made.ifb);
    }

    result.ips = [...(result.ips ?? []), ...ours.ips!];
    if (ours.routes?.length) result.routes = [...(result.routes ?? []), ...ours.routes];
    result.dns = ours.dns;
  } else {
    await container.rtnl.setLink(contLink.index, { up: true });
    if (caps.bandwidth) {
      const made = await applyCapabilities(host, { ...caps, portMappings: [] }, { owner: natOwner(n.name, options.containerId, options.ifname), hostLink, ips: [], subnets: [] }, undo);
      if (made.ifb) result.interfaces!.push(made.ifb);
    }
  }

  // The bridge's MAC may have changed when its first port came (unless its address was set).
  const br = await host.rtnl.link(bridge.index);
  result.interfaces![base] = { name: n.bridge, mac: br.mac ?? '' };
  if (Object.keys(n.dns).length) result.dns = n.dns;
  else if (prev && !Object.keys(result.dns).length) result.dns = prev.dns;
  return result;
}

