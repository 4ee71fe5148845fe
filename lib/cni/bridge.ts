/**
 * The CNI bridge engine: what the reference `bridge` plugin does on ADD, DEL, CHECK, GC and
 * STATUS, over this library's rtnetlink client and (for ipMasq) its nftables NAT. Both the
 * `cni-bridge` executable and Node services (attachContainer) call it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IFA_F_DADFAILED, IFA_F_TENTATIVE } from '../../messages/address/constants.js';
import { IFF_PROMISC } from '../../messages/link/index.js';
import { InvalidArgumentError, NetlinkError } from '../errors.js';
import type { Address } from '../rtnl/addresses.js';
import { bridgeMessage, vethMessage, type LinkState } from '../rtnl/links.js';
import type { RouteSpec } from '../rtnl/routes.js';
import { Namespace } from '../namespace.js';
import { withNetns } from '../sys/index.js';
import { formatIP, parseIP } from '../../messages/attributes/ip-text.js';
import { parsePrefix, networkOf } from '../validate.js';
import { parseBridgeConfig, checkContainerId, checkIfname, type BridgeConfig, type BridgeNetConf } from './config.js';
import { CNI_ERRORS, CniError } from './errors.js';
import { execPlugin, type CniEnv } from './exec.js';
import { applyCapabilities, checkCapabilities, deleteIfbs, ifbName, ifbPrefix, parseCapabilities, unpublishOwned, type Capabilities } from './capabilities.js';
import { checkVersion, compareVersions, resultFromJson, type CniInterface, type CniIpConfig, type CniResult, type CniRoute } from './types.js';

/** Something that names a namespace: a path (CNI_NETNS), or an open one (a Namespace has both). */
export type NetnsLike = string | { readonly fd: number; readonly path?: string };

/** Per-call parameters: what a runtime passes as CNI_* environment variables. */
export interface AttachOptions {
  /** The container's network namespace: its path (CNI_NETNS) or an open Namespace. */
  netns: NetnsLike;
  /** CNI_IFNAME: the interface to create in the container, e.g. 'eth0'. */
  ifname: string;
  /** CNI_CONTAINERID. */
  containerId: string;
  /** CNI_ARGS ('K=V;K2=V2'). */
  args?: string;
  /** CNI_PATH: where the IPAM plugin is looked up (default $CNI_PATH, else /opt/cni/bin). */
  cniPath?: string;
  /** The namespace standing for the host (default: the calling thread's). */
  host?: NetnsLike;
}

export type DetachOptions = Omit<AttachOptions, 'netns'> & { netns?: NetnsLike };

export interface GcOptions {
  cniPath?: string;
  host?: NetnsLike;
}

type ConfigInput = string | Uint8Array | BridgeNetConf | BridgeConfig;

function config(input: ConfigInput, args?: string): BridgeConfig {
  if (typeof input === 'object' && !(input instanceof Uint8Array) && typeof (input as BridgeConfig).raw === 'string' && 'ipamType' in input) return input as BridgeConfig;
  return parseBridgeConfig(input as string | Uint8Array | BridgeNetConf, args);
}

function netnsPath(ref: NetnsLike | undefined): string {
  if (ref === undefined) return '';
  return typeof ref === 'string' ? ref : (ref.path ?? '');
}

function cniEnv(options: { containerId?: string; netns?: NetnsLike; ifname?: string; args?: string; cniPath?: string }): CniEnv {
  return {
    containerId: options.containerId ?? '',
    netns: netnsPath(options.netns),
    ifname: options.ifname ?? '',
    args: options.args ?? '',
    path: options.cniPath ?? process.env.CNI_PATH ?? '/opt/cni/bin',
  };
}

/**
 * A Namespace of our own on `ref`, closed when the call ends: a path is opened (and checked to be
 * a network namespace), an open namespace is opened again through its fd, so the caller's stays theirs.
 */
function openNetns(ref: NetnsLike): Promise<Namespace> {
  return Namespace.open({ path: typeof ref === 'string' ? ref : `/proc/self/fd/${ref.fd}` });
}

/** Namespace.open's refusal of a path that does not exist (its cause is the ENOENT of the open). */
function isMissingNetns(error: unknown): boolean {
  return error instanceof InvalidArgumentError && errno(error.cause) === 'ENOENT';
}

async function openHost(ref: NetnsLike | undefined): Promise<Namespace> {
  return ref === undefined ? Namespace.current() : openNetns(ref);
}

/** A sysctl (components under net) that may be absent, e.g. with IPv6 disabled: undefined then. */
function sysctlIfPresent(ns: Namespace, parts: readonly string[], value?: string): string | undefined {
  try {
    return ns.sysctl(['net', ...parts], value);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a sysctl only when it differs (one read, like the reference's echo1). */
function ensureSysctl(ns: Namespace, parts: readonly string[], value: string): void {
  if (ns.sysctl(['net', ...parts]) !== value) ns.sysctl(['net', ...parts], value);
}

/**
 * What ADD, DEL and CHECK start with: the network configuration, checked along with CNI_CONTAINERID
 * and CNI_IFNAME, and the CNI_* environment for the IPAM plugin.
 */
function containerRequest(input: ConfigInput, options: DetachOptions): { n: BridgeConfig; env: CniEnv } {
  const n = config(input, options.args);
  checkVersion(n.cniVersion);
  checkContainerId(options.containerId);
  checkIfname(options.ifname);
  return { n, env: cniEnv(options) };
}

/** The container namespace, or CniError when CNI_NETNS does not name one. */
async function openContainer(ref: NetnsLike): Promise<Namespace> {
  try {
    return await openNetns(ref);
  } catch (error) {
    throw new CniError(CNI_ERRORS.INTERNAL, `failed to open netns "${netnsPath(ref)}": ${(error as Error).message}`, undefined, { cause: error });
  }
}

function errno(error: unknown): string | undefined {
  return error instanceof NetlinkError ? error.code : (error as { code?: string } | undefined)?.code;
}

/** The owner token our NAT rules carry: one network, one attachment (container id + ifname). */
export function natOwner(network: string, containerId: string, ifname: string): string {
  return `cni:${natNetworkTag(network)}:${hash(`${containerId}/${ifname}`, 12)}`;
}
function natNetworkTag(network: string): string {
  return hash(network, 8);
}
function hash(text: string, length: number): string {
  return createHash('sha512').update(text).digest('hex').slice(0, length);
}

/** The first address after the network one: the gateway the reference computes. */
export function gatewayOf(cidr: string): string {
  const bytes = parseIP(networkOf(parsePrefix(cidr, 'address')))!;
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) break;
  }
  return formatIP(bytes, 0, bytes.length);
}

function familyOf(cidrOrIp: string): 4 | 6 {
  return cidrOrIp.includes(':') ? 6 : 4;
}

/** The network of a CIDR with its prefix: '10.1.0.7/16' -> '10.1.0.0/16'. */
function networkCidr(cidr: string): string {
  const p = parsePrefix(cidr, 'address');
  return `${networkOf(p)}/${p.prefixlen}`;
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIP(a);
  const y = parseIP(b);
  return x !== undefined && y !== undefined && x.length === y.length && x.every((byte, i) => byte === y[i]);
}

function prefixContains(cidr: string, ip: string): boolean {
  const p = parsePrefix(cidr, 'address');
  if (familyOf(ip) !== p.family) return false;
  return networkOf(p) === networkOf({ family: p.family, address: ip, prefixlen: p.prefixlen });
}

/** The reference's calcGateways: gateways per family, and default routes when isDefaultGateway. */
function calcGateways(result: CniResult, n: BridgeConfig, containerIndex: number): { v4: string[]; v6: string[] } {
  const gws = { v4: [] as string[], v6: [] as string[] };
  const defaultFound = { 4: false, 6: false };
  for (const ip of result.ips ?? []) {
    const family = familyOf(ip.address);
    ip.interface = containerIndex;
    if (ip.gateway === undefined && n.isGateway) ip.gateway = gatewayOf(ip.address);
    if (n.isDefaultGateway && !defaultFound[family]) {
      const dflt = family === 4 ? '0.0.0.0/0' : '::/0';
      if (!(result.routes ?? []).some((r) => r.gw !== undefined && r.dst === dflt)) {
        (result.routes ??= []).push(ip.gateway !== undefined ? { dst: dflt, gw: ip.gateway } : { dst: dflt });
      }
      defaultFound[family] = true;
    }
    if (n.isGateway) (family === 4 ? gws.v4 : gws.v6).push(`${ip.gateway}/${ip.address.split('/')[1]}`);
  }
  return gws;
}

function addressOptions(cidr: string): { broadcast?: string } {
  const p = parsePrefix(cidr, 'address');
  return p.family === 4 && p.prefixlen < 31 ? { broadcast: '+' } : {};
}

function vlanError(n: BridgeConfig, error: unknown): CniError {
  return new CniError(
    CNI_ERRORS.INVALID_NETWORK_CONFIG,
    `vlan ${n.vlan}: this kernel's bridge cannot filter VLANs (${errno(error) ?? (error as Error).message}); it needs CONFIG_BRIDGE_VLAN_FILTERING, or remove "vlan" from the network configuration`,
  );
}

/** ensureBridge: the bridge, created up (with mtu, promisc, vlan filtering) if it is not there. */
async function ensureBridge(host: Namespace, n: BridgeConfig): Promise<LinkState> {
  let state: LinkState | undefined;
  try {
    state = await host.rtnl.link(n.bridge);
  } catch (error) {
    if (errno(error) !== 'ENODEV') throw error;
  }
  if (state === undefined) {
    const message = bridgeMessage(n.bridge, { up: true, ...(n.promiscMode ? { promisc: true } : {}), ...(n.mtu ? { mtu: n.mtu } : {}), ...(n.vlan ? { vlanFiltering: true } : {}) });
    try {
      await host.rtnl.createLink(message, `${n.bridge} type bridge`);
    } catch (error) {
      if (n.vlan && (errno(error) === 'EOPNOTSUPP' || errno(error) === 'EINVAL')) throw vlanError(n, error);
      if (errno(error) !== 'EEXIST') throw new CniError(CNI_ERRORS.INTERNAL, `failed to create bridge "${n.bridge}": could not add "${n.bridge}": ${(error as Error).message}`);
    }
    state = await host.rtnl.link(n.bridge);
  }
  if (state.kind !== 'bridge') throw new CniError(CNI_ERRORS.INTERNAL, `failed to create bridge "${n.bridge}": "${n.bridge}" already exists but is not a bridge`);
  if (n.promiscMode && !(state.flags & IFF_PROMISC)) await host.rtnl.setLink(state, { promisc: true });
  // "we want to own the routes for this interface"
  sysctlIfPresent(host, ['ipv6', 'conf', n.bridge, 'accept_ra'], '0');
  if (!state.up) await host.rtnl.setLink(state.index, { up: true });
  return state;
}

/** ensureAddr: the gateway address on the bridge; another one in the way is an error unless forceAddress. */
async function ensureAddr(host: Namespace, bridge: LinkState, gw: string, n: BridgeConfig): Promise<void> {
  const family = familyOf(gw);
  const existing = await host.rtnl.addresses({ family, dev: bridge.index });
  const gwIp = gw.split('/')[0]!;
  for (const a of existing) {
    if (a.family === 6 && a.scope === 'link') continue;
    if (sameAddress(a.address, gwIp) && a.prefixlen === Number(gw.split('/')[1])) return;
    if (family === 4 || prefixContains(a.cidr, gwIp) || prefixContains(gw, a.address)) {
      if (!n.forceAddress) throw new CniError(CNI_ERRORS.INTERNAL, `failed to set bridge addr: "${n.bridge}" already has an IP address different from ${networkCidr(gw) === gw ? gw : gw}`);
      await host.rtnl.deleteAddress(bridge.index, a.cidr);
    }
  }
  try {
    await host.rtnl.addAddress(bridge.index, gw, addressOptions(gw));
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw new CniError(CNI_ERRORS.INTERNAL, `failed to set bridge addr: could not add IP address to "${n.bridge}": ${(error as Error).message}`);
  }
  // Pin the bridge's MAC, so that it does not follow the lowest port MAC as ports come and go.
  if (bridge.mac) await host.rtnl.setLink(bridge, { mac: bridge.mac });
}

async function loadNat(host: Namespace) {
  const [{ Nat }, { Nftables }] = await Promise.all([import('../nat/nat.js'), import('../nat/nftables.js')]);
  return new Nat(Nftables.open({ netnsFd: host.fd, context: `in ${host}` }));
}

/** Removes the NAT rules of one attachment (or, with `keep`, every rule of the network not kept). */
async function removeNat(host: Namespace, owned: (owner: string) => boolean): Promise<number> {
  const nat = await loadNat(host);
  try {
    return await nat.remove((rule) => rule.owner !== undefined && owned(rule.owner));
  } finally {
    nat.close();
  }
}

/** Routes of the result as the reference installs them: dev IFNAME, proto boot, scope universe. */
function routeSpec(route: CniRoute, ifindex: number, gw: string | undefined): RouteSpec {
  const spec: RouteSpec = { dst: route.dst, dev: ifindex, protocol: 'boot', scope: route.scope ?? 'global' };
  if (gw !== undefined) spec.via = gw;
  if (route.priority !== undefined) spec.metric = route.priority;
  if (route.table !== undefined) spec.table = route.table;
  if (route.mtu !== undefined) spec.mtu = route.mtu;
  return spec;
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
export async function attachContainer(input: ConfigInput, options: AttachOptions): Promise<CniResult> {
  const { n, env } = containerRequest(input, options);
  const caps = parseCapabilities(n.raw);
  const container = await openContainer(options.netns);
  const host = await openHost(options.host).catch((error: unknown) => {
    container.close();
    throw error;
  });
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const result = await add(n, options, env, host, container, undo, caps);
    undo.length = 0;
    return result;
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw CniError.from(error);
  } finally {
    container.close();
    host.close();
  }
}

async function add(n: BridgeConfig, options: AttachOptions, env: CniEnv, host: Namespace, container: Namespace, undo: Array<() => Promise<unknown>>, caps: Capabilities): Promise<CniResult> {
  const isLayer3 = n.ipamType !== '';
  const bridge = await ensureBridge(host, n);

  // The veth: host end (random name, on the bridge, up) and container end, in one request.
  let hostName = '';
  for (let attempt = 0; ; attempt++) {
    hostName = `veth${randomBytes(4).toString('hex')}`;
    const message = vethMessage(hostName, {
      up: true,
      master: bridge.index,
      // txqlen 0 on both ends, as the reference's netlink library sends it (veths are noqueue anyway).
      txqlen: 0,
      ...(n.mtu ? { mtu: n.mtu } : {}),
      peer: { name: options.ifname, netnsFd: container.fd, txqlen: 0, ...(n.mtu ? { mtu: n.mtu } : {}), ...(n.mac ? { mac: n.mac } : {}) },
    });
    try {
      await host.rtnl.createLink(message, `${hostName} type veth peer ${options.ifname}`);
      break;
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw new CniError(CNI_ERRORS.INTERNAL, `failed to make veth pair: ${(error as Error).message}`);
      const taken = await container.rtnl.link(options.ifname).then(() => true, () => false);
      if (taken) throw new CniError(CNI_ERRORS.INTERNAL, `container veth name provided (${options.ifname}) already exists`);
      if (attempt >= 9) throw new CniError(CNI_ERRORS.INTERNAL, 'failed to find a unique veth name');
    }
  }
  const hostLink = await host.rtnl.link(hostName);
  undo.push(() => host.rtnl.deleteLink(hostLink.index));
  const contLink = await container.rtnl.link(options.ifname);
  sysctlIfPresent(host, ['ipv6', 'conf', hostName, 'accept_ra'], '0');
  if (n.hairpinMode) await host.rtnl.setBridgePort(hostLink, { hairpin: true });
  if (n.vlan) {
    try {
      await host.rtnl.bridgeVlan('add', hostLink, { vid: n.vlan, pvid: true, untagged: true });
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
    const raw = await execPlugin(n.ipamType, 'ADD', n.raw, env, { spawnIn: (start) => withNetns(host.fd, start) });
    undo.push(() => execPlugin(n.ipamType, 'DEL', n.raw, env, { spawnIn: (start) => withNetns(host.fd, start) }));
    const ipam = resultFromJson(raw, `result of IPAM plugin ${n.ipamType}`);
    if (!ipam.ips?.length) throw new CniError(CNI_ERRORS.INTERNAL, 'IPAM plugin returned missing IP config');
    const ours: CniResult = { cniVersion: n.cniVersion, ips: ipam.ips, ...(ipam.routes ? { routes: ipam.routes } : {}), dns: ipam.dns };
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
        throw new CniError(CNI_ERRORS.INTERNAL, `failed to add IP addr ${ip.address} to "${options.ifname}": ${(error as Error).message}`);
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
        throw new CniError(CNI_ERRORS.INTERNAL, `failed to add route '${route.dst} via ${gw ?? '<nil>'} dev ${options.ifname}': ${(error as Error).message}`);
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
      const nat = await loadNat(host);
      try {
        undo.push(() => removeNat(host, (o) => o === owner));
        for (const ip of ours.ips!) {
          await nat.masquerade({ source: `${ip.address.split('/')[0]}/${familyOf(ip.address) === 4 ? 32 : 128}`, exceptDestination: networkCidr(ip.address), owner });
        }
      } finally {
        nat.close();
      }
    }

    // portMappings and bandwidth, as the portmap and bandwidth plugins would do after us.
    const owner = natOwner(n.name, options.containerId, options.ifname);
    const made = await applyCapabilities(host, caps, { owner, hostLink, ips: ours.ips!, subnets: ours.ips!.map((ip) => networkCidr(ip.address)) }, undo);
    if (made.ifb) result.interfaces!.push(made.ifb);

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

/**
 * DEL: removes the container's interface (and so the veth pair), releases the IPAM reservation and
 * removes the attachment's NAT rules. Missing things are success: DEL may be repeated.
 */
export async function detachContainer(input: ConfigInput, options: DetachOptions): Promise<void> {
  const { n, env } = containerRequest(input, options);
  const host = await openHost(options.host);
  try {
    const ipamDel = async () => {
      if (n.ipamType !== '') await execPlugin(n.ipamType, 'DEL', n.raw, env, { spawnIn: (start) => withNetns(host.fd, start) });
    };
    let container: Namespace | undefined;
    if (options.netns !== undefined && netnsPath(options.netns) !== '') {
      try {
        container = await openNetns(options.netns);
      } catch (error) {
        if (!isMissingNetns(error)) throw new CniError(CNI_ERRORS.INTERNAL, `failed to open netns "${env.netns}": ${(error as Error).message}`);
      }
    }
    if (container) {
      try {
        await container.rtnl.deleteLink(options.ifname);
      } catch (error) {
        if (errno(error) !== 'ENODEV') throw new CniError(CNI_ERRORS.INTERNAL, `failed to delete "${options.ifname}": ${(error as Error).message}`);
      } finally {
        container.close();
      }
    }
    await ipamDel();
    const owner = natOwner(n.name, options.containerId, options.ifname);
    if (n.ipamType !== '' && n.ipMasq) await removeNat(host, (o) => o === owner);
    const caps = parseCapabilities(n.raw);
    if (caps.portMappings.length) await unpublishOwned(host, (o) => o === owner);
    if (caps.bandwidth) await deleteIfbs(host, (name) => name === ifbName(owner));
  } catch (error) {
    throw CniError.from(error);
  } finally {
    host.close();
  }
}

/**
 * CHECK: verifies against prevResult what ADD made: the bridge (kind, MAC, promisc), the
 * container's veth (in the sandbox, MAC), its host peer on the bridge, the addresses and routes
 * in the container, and the NAT rules for ipMasq; and runs CHECK on the IPAM plugin.
 */
export async function checkContainer(input: ConfigInput, options: AttachOptions): Promise<void> {
  const { n, env } = containerRequest(input, options);
  const container = await openContainer(options.netns);
  const host = await openHost(options.host).catch((error: unknown) => {
    container.close();
    throw error;
  });
  try {
    if (n.ipamType !== '') await execPlugin(n.ipamType, 'CHECK', n.raw, env, { spawnIn: (start) => withNetns(host.fd, start) });
    const result = n.prevResult;
    if (!result) throw new CniError(CNI_ERRORS.INTERNAL, 'Required prevResult missing');
    const fail = (msg: string) => new CniError(CNI_ERRORS.INTERNAL, msg);
    const interfaces = result.interfaces ?? [];
    const brIf = interfaces.find((i) => i.name === n.bridge && !i.sandbox);
    const contIf = interfaces.find((i) => i.name === options.ifname && i.sandbox === env.netns);
    if (!brIf) throw fail(`CNI created bridge ${n.bridge} in host namespace was not found`);
    const br = await host.rtnl.link(n.bridge).catch(() => undefined);
    if (!br) throw fail(`Interface name ${n.bridge} not found`);
    if (br.kind !== 'bridge') throw fail(`Interface ${n.bridge} does not have link type of bridge`);
    if (brIf.mac && brIf.mac !== br.mac) throw fail(`Bridge interface ${n.bridge} Mac doesn't match: ${brIf.mac}`);
    const promisc = (br.flags & IFF_PROMISC) !== 0;
    if (promisc !== n.promiscMode) throw fail(`Bridge interface ${n.bridge} configured Promisc Mode ${n.promiscMode} doesn't match current state: ${promisc} `);
    if (!contIf) throw fail(`Sandbox in prevResult  doesn't match configured netns: ${env.netns}`);
    const cont = await container.rtnl.link(options.ifname).catch(() => undefined);
    if (!cont) throw fail(`Interface name ${options.ifname} not found`);
    if (cont.kind !== 'veth') throw fail(`Error: Container interface ${options.ifname} not of type veth`);
    if (contIf.mac && contIf.mac !== cont.mac) throw fail(`Interface ${options.ifname} Mac ${contIf.mac} doesn't match container Mac: ${cont.mac}`);
    let vethFound = false;
    for (const intf of interfaces) {
      if (intf === brIf || intf === contIf || intf.sandbox) continue;
      const link = await host.rtnl.link(intf.name).catch(() => undefined);
      if (!link || link.kind !== 'veth') continue;
      if (link.index !== cont.parent || link.parent !== cont.index || link.master !== br.index) continue;
      if (intf.mac && intf.mac !== link.mac) throw fail(`Interface ${intf.name} Mac doesn't match: ${intf.mac} not found`);
      vethFound = true;
      break;
    }
    if (!vethFound) throw fail(`CNI veth created for bridge ${n.bridge} was not found`);

    const addrs = await container.rtnl.addresses({ dev: cont.index });
    for (const ip of result.ips ?? []) {
      if (ip.interface === undefined || interfaces[ip.interface] !== contIf) continue;
      const [addr, len] = ip.address.split('/');
      if (!addrs.some((a) => sameAddress(a.address, addr!) && a.prefixlen === Number(len))) throw fail(`Failed to match addr ${ip.address} on interface ${options.ifname}`);
    }
    if (result.routes?.length) {
      const routes = [...(await container.rtnl.routes({ family: 4 })), ...(await container.rtnl.routes({ family: 6 }))];
      for (const r of result.routes) {
        const p = parsePrefix(r.dst, 'dst');
        const found = routes.some((x) => x.family === p.family && x.dstLen === p.prefixlen && (p.prefixlen === 0 || sameAddress(x.dst.split('/')[0]!, networkOf(p))) && (r.gw === undefined || (x.gateway !== undefined && sameAddress(x.gateway, r.gw))));
        if (!found) throw fail(`Route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} not found in container ${env.netns}`);
      }
    }
    if (n.ipamType !== '' && n.ipMasq) {
      const owner = natOwner(n.name, options.containerId, options.ifname);
      const nat = await loadNat(host);
      try {
        const rules = (await nat.rules()).filter((r) => r.owner === owner);
        for (const ip of (result.ips ?? []).filter((i) => i.interface !== undefined && interfaces[i.interface] === contIf)) {
          const source = `${ip.address.split('/')[0]}/${familyOf(ip.address) === 4 ? 32 : 128}`;
          if (!rules.some((r) => sameAddress(r.source.split('/')[0]!, source.split('/')[0]!))) throw fail(`ipMasq: no masquerade rule for ${ip.address} (network ${n.name}, container ${options.containerId})`);
        }
      } finally {
        nat.close();
      }
    }
    const caps = parseCapabilities(n.raw);
    if (caps.portMappings.length || caps.bandwidth) {
      const hostVeth = cont.parent === undefined ? undefined : await host.rtnl.link(cont.parent).catch(() => undefined);
      await checkCapabilities(host, caps, natOwner(n.name, options.containerId, options.ifname), hostVeth);
    }
  } catch (error) {
    throw CniError.from(error);
  } finally {
    container.close();
    host.close();
  }
}

/**
 * GC (spec 1.1.0): removes this network's NAT rules whose attachment is not in
 * `cni.dev/valid-attachments`, then forwards GC to the IPAM plugin. Errors are collected and
 * reported together after doing as much as possible.
 */
export async function gcNetwork(input: ConfigInput, options: GcOptions = {}): Promise<{ natRulesRemoved: number }> {
  const n = config(input);
  checkVersion(n.cniVersion);
  if (compareVersions(n.cniVersion, '1.1.0') < 0) throw new CniError(CNI_ERRORS.INCOMPATIBLE_CNI_VERSION, 'config version does not allow GC');
  const env = cniEnv(options);
  const host = await openHost(options.host);
  const errors: string[] = [];
  let natRulesRemoved = 0;
  try {
    const prefix = `cni:${natNetworkTag(n.name)}:`;
    const keep = new Set((n.validAttachments ?? []).map((a) => natOwner(n.name, a.containerID, a.ifname)));
    try {
      natRulesRemoved = await removeNat(host, (o) => o.startsWith(prefix) && !keep.has(o));
    } catch (error) {
      errors.push(`nat: ${(error as Error).message}`);
    }
    // Published ports and the ifb devices of rate limits, of attachments no longer valid.
    try {
      await unpublishOwned(host, (o) => o.startsWith(prefix) && !keep.has(o));
      const keptIfbs = new Set([...keep].map(ifbName));
      const network = ifbPrefix(`${prefix}x`);
      await deleteIfbs(host, (name) => name.startsWith(network) && !keptIfbs.has(name));
    } catch (error) {
      errors.push(`capabilities: ${(error as Error).message}`);
    }
    if (n.ipamType !== '') {
      try {
        await execPlugin(n.ipamType, 'GC', n.raw, env, { spawnIn: (start) => withNetns(host.fd, start) });
      } catch (error) {
        errors.push(`ipam ${n.ipamType}: ${(error as Error).message}`);
      }
    }
  } finally {
    host.close();
  }
  if (errors.length) throw new CniError(CNI_ERRORS.INTERNAL, 'GC failed', errors.join('; '));
  return { natRulesRemoved };
}

/** STATUS (spec 1.1.0): ready when the IPAM plugin (if any) says it is. */
export async function networkStatus(input: ConfigInput, options: GcOptions = {}): Promise<void> {
  const n = config(input);
  checkVersion(n.cniVersion);
  if (compareVersions(n.cniVersion, '1.1.0') < 0) throw new CniError(CNI_ERRORS.INCOMPATIBLE_CNI_VERSION, 'config version does not allow STATUS');
  if (n.ipamType === '') return;
  const env = cniEnv(options);
  const host = await openHost(options.host);
  try {
    await execPlugin(n.ipamType, 'STATUS', n.raw, env, { spawnIn: (start) => withNetns(host.fd, start) });
  } catch (error) {
    throw CniError.from(error);
  } finally {
    host.close();
  }
}

export type { CniInterface, CniIpConfig };
