/** CNI result types (spec 1.0.0 / 1.1.0, section 5) and version handling. */
import { CNI_ERRORS, CniError } from './errors.js';
import { LATEST_VERSION, SUPPORTED_VERSIONS, isSupportedVersion } from './versions.js';

export { LATEST_VERSION, SUPPORTED_VERSIONS, isSupportedVersion } from './versions.js';

/** An interface of a result (`interfaces[]`): the host veth, the container's end ... */
export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The container's netns path for interfaces inside it; absent for host interfaces. */
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

/** An address of a result (`ips[]`). */
export interface CniIpConfig {
  /** Index into `interfaces`. */
  interface?: number;
  /** CIDR, e.g. '10.22.0.2/16'. */
  address: string;
  gateway?: string;
}

/** A route of a result (`routes[]`), as the container should have it. */
export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** DNS settings of a result, from the configuration's `dns` or from IPAM. */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** The ADD result, in the current (1.x) form. */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns: CniDns;
}

/** Compares dotted versions: negative, 0 or positive. Throws CniError 6 for text that is not one. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

function parseVersion(v: string): number[] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new CniError(CNI_ERRORS.DECODING_FAILURE, `invalid version "${v}": the version is empty or has too many parts`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Refuses a config version we do not speak, as the reference's skel does (code 1). */
export function checkVersion(v: string): void {
  if (!isSupportedVersion(v)) {
    throw new CniError(CNI_ERRORS.INCOMPATIBLE_CNI_VERSION, 'incompatible CNI versions', `config is "${v}", plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`);
  }
}

type Json = Record<string, unknown>;

/**
 * A result of any supported version (ours, a prevResult, or an IPAM plugin's) in the 1.x form.
 * 0.3.x / 0.4.0 results differ only by `ips[].version`; 0.1.0 / 0.2.0 by `ip4` / `ip6`.
 */
export function resultFromJson(value: unknown, what = 'result'): CniResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what} is not a JSON object`);
  }
  const r = value as Json;
  const out: CniResult = { cniVersion: typeof r.cniVersion === 'string' ? r.cniVersion : LATEST_VERSION, dns: {} };
  if (r.ip4 !== undefined || r.ip6 !== undefined) {
    // 0.1.0 / 0.2.0: { ip4: { ip, gateway, routes }, ip6: ..., dns }
    out.ips = [];
    out.routes = [];
    for (const key of ['ip4', 'ip6'] as const) {
      const block = r[key] as Json | undefined;
      if (!block) continue;
      const ip: CniIpConfig = { address: String(block.ip) };
      if (typeof block.gateway === 'string') ip.gateway = block.gateway;
      out.ips.push(ip);
      for (const route of (block.routes as Json[] | undefined) ?? []) out.routes.push(routeFromJson(route, what));
    }
  } else {
    if (r.interfaces !== undefined) {
      if (!Array.isArray(r.interfaces)) throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what}.interfaces is not an array`);
      out.interfaces = r.interfaces.map((i: Json, n) => {
        if (typeof i?.name !== 'string') throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what}.interfaces[${n}].name is not a string`);
        const iface: CniInterface = { name: i.name };
        for (const k of ['mac', 'sandbox', 'socketPath', 'pciID'] as const) if (typeof i[k] === 'string' && i[k] !== '') iface[k] = i[k] as string;
        if (typeof i.mtu === 'number' && i.mtu > 0) iface.mtu = i.mtu;
        return iface;
      });
    }
    if (r.ips !== undefined) {
      if (!Array.isArray(r.ips)) throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what}.ips is not an array`);
      out.ips = r.ips.map((i: Json, n) => {
        if (typeof i?.address !== 'string') throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what}.ips[${n}].address is not a string`);
        const ip: CniIpConfig = { address: i.address };
        if (typeof i.interface === 'number') ip.interface = i.interface;
        if (typeof i.gateway === 'string' && i.gateway !== '') ip.gateway = i.gateway;
        return ip;
      });
    }
    if (r.routes !== undefined) {
      if (!Array.isArray(r.routes)) throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what}.routes is not an array`);
      out.routes = r.routes.map((x: Json) => routeFromJson(x, what));
    }
  }
  if (typeof r.dns === 'object' && r.dns !== null) out.dns = dnsFromJson(r.dns as Json);
  if (out.ips?.length === 0) delete out.ips;
  if (out.routes?.length === 0) delete out.routes;
  return out;
}

function routeFromJson(x: Json, what: string): CniRoute {
  if (typeof x?.dst !== 'string') throw new CniError(CNI_ERRORS.DECODING_FAILURE, `${what}: a route has no dst`);
  const route: CniRoute = { dst: x.dst };
  if (typeof x.gw === 'string' && x.gw !== '') route.gw = x.gw;
  for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) if (typeof x[k] === 'number') route[k] = x[k] as number;
  return route;
}

export function dnsFromJson(d: Json): CniDns {
  const dns: CniDns = {};
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);
  const ns = list(d.nameservers);
  if (ns?.length) dns.nameservers = ns;
  if (typeof d.domain === 'string' && d.domain) dns.domain = d.domain;
  const search = list(d.search);
  if (search?.length) dns.search = search;
  const options = list(d.options);
  if (options?.length) dns.options = options;
  return dns;
}

/**
 * The result as JSON of `version`, in the key order the reference prints: 1.x as it is,
 * 0.3.x / 0.4.0 with `ips[].version` and without the 1.1.0 fields.
 */
export function resultToJson(result: CniResult, version: string): Json {
  const legacy = compareVersions(version, '1.0.0') < 0;
  const modern11 = compareVersions(version, '1.1.0') >= 0;
  const out: Json = { cniVersion: version };
  if (result.interfaces?.length) {
    out.interfaces = result.interfaces.map((i) => {
      const o: Json = { name: i.name };
      if (i.mac) o.mac = i.mac;
      if (modern11 && i.mtu) o.mtu = i.mtu;
      if (i.sandbox) o.sandbox = i.sandbox;
      if (modern11 && i.socketPath) o.socketPath = i.socketPath;
      if (modern11 && i.pciID) o.pciID = i.pciID;
      return o;
    });
  }
  if (result.ips?.length) {
    out.ips = result.ips.map((ip) => {
      const o: Json = {};
      if (legacy) o.version = ip.address.includes(':') ? '6' : '4';
      if (ip.interface !== undefined) o.interface = ip.interface;
      o.address = ip.address;
      if (ip.gateway) o.gateway = ip.gateway;
      return o;
    });
  }
  if (result.routes?.length) {
    out.routes = result.routes.map((r) => {
      const o: Json = { dst: r.dst };
      if (r.gw) o.gw = r.gw;
      if (modern11) for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) if (r[k] !== undefined) o[k] = r[k];
      return o;
    });
  }
  out.dns = { ...result.dns };
  return out;
}
