/** Addresses, gateways and routes of a CNI result, computed as the reference bridge plugin does. */
import { formatIP, parseIP } from '../../messages/attributes/ip-text.js';
import type { RouteSpec } from '../rtnl/routes.js';
import { parsePrefix, networkOf } from '../validate.js';
import type { BridgeConfig } from './config.js';
import type { CniResult, CniRoute } from './types.js';

/** The first address after the network one: the gateway the reference computes. */
export function gatewayOf(cidr: string): string {
  const bytes = parseIP(networkOf(parsePrefix(cidr, 'address')))!;
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) break;
  }
  return formatIP(bytes, 0, bytes.length);
}

export function familyOf(cidrOrIp: string): 4 | 6 {
  return cidrOrIp.includes(':') ? 6 : 4;
}

/** The address of a CIDR as a one-host prefix: '10.1.0.7/16' -> '10.1.0.7/32' (/128 for IPv6). */
export function hostCidr(cidr: string): string {
  const p = parsePrefix(cidr, 'address');
  return `${p.address}/${p.family === 4 ? 32 : 128}`;
}

/** The network of a CIDR with its prefix: '10.1.0.7/16' -> '10.1.0.0/16'. */
export function networkCidr(cidr: string): string {
  const p = parsePrefix(cidr, 'address');
  return `${networkOf(p)}/${p.prefixlen}`;
}

export function sameAddress(a: string, b: string): boolean {
  const x = parseIP(a);
  const y = parseIP(b);
  return x !== undefined && y !== undefined && x.length === y.length && x.every((byte, i) => byte === y[i]);
}

export function prefixContains(cidr: string, ip: string): boolean {
  const p = parsePrefix(cidr, 'address');
  if (familyOf(ip) !== p.family) return false;
  return networkOf(p) === networkOf({ family: p.family, address: ip, prefixlen: p.prefixlen });
}

/** The reference's calcGateways: gateways per family, and default routes when isDefaultGateway. */
export function calcGateways(result: CniResult, n: BridgeConfig, containerIndex: number): { v4: string[]; v6: string[] } {
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

export function addressOptions(cidr: string): { broadcast?: string } {
  const p = parsePrefix(cidr, 'address');
  return p.family === 4 && p.prefixlen < 31 ? { broadcast: '+' } : {};
}

/** Routes of the result as the reference installs them: dev IFNAME, proto boot, scope universe. */
export function routeSpec(route: CniRoute, ifindex: number, gw: string | undefined): RouteSpec {
  const spec: RouteSpec = { dst: route.dst, dev: ifindex, protocol: 'boot', scope: route.scope ?? 'global' };
  if (gw !== undefined) spec.via = gw;
  if (route.priority !== undefined) spec.metric = route.priority;
  if (route.table !== undefined) spec.table = route.table;
  if (route.mtu !== undefined) spec.mtu = route.mtu;
  return spec;
}

