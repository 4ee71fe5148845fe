/** The bridge plugin's network configuration: parsed and checked before anything is changed. */
import { CNI_ERRORS, CniError } from './errors.js';
import { dnsFromJson, resultFromJson, type CniDns, type CniResult } from './types.js';
import { checkMtu, interfaceNameProblem, macProblem, VLAN_ID_MAX } from '../validate.js';

/** The reference bridge plugin's keys (containernetworking/plugins plugins/main/bridge). */
export interface BridgeNetConf {
  cniVersion?: string;
  name: string;
  type?: string;
  /** Bridge name (default 'cni0'). */
  bridge?: string;
  isGateway?: boolean;
  isDefaultGateway?: boolean;
  forceAddress?: boolean;
  ipMasq?: boolean;
  mtu?: number;
  hairpinMode?: boolean;
  promiscMode?: boolean;
  vlan?: number;
  enabledad?: boolean;
  ipam?: { type?: string; [key: string]: unknown };
  dns?: CniDns;
  args?: { cni?: { mac?: string } };
  runtimeConfig?: { mac?: string; [key: string]: unknown };
  prevResult?: unknown;
  [key: string]: unknown;
}

/** A checked configuration, with defaults applied. */
export interface BridgeConfig {
  cniVersion: string;
  name: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  /** 0: not set. */
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** 0: none. */
  vlan: number;
  enableDad: boolean;
  /** ipam.type, '' for a layer-2 only network. */
  ipamType: string;
  dns: CniDns;
  /** MAC for the container interface from CNI_ARGS, args.cni.mac or runtimeConfig.mac. */
  mac?: string;
  prevResult?: CniResult;
  /** `cni.dev/valid-attachments` of a GC request. */
  validAttachments?: Array<{ containerID: string; ifname: string }>;
  /** The configuration exactly as given (the bytes delegated plugins receive on stdin). */
  raw: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function invalid(msg: string, details?: string, cause?: unknown): CniError {
  return new CniError(CNI_ERRORS.INVALID_NETWORK_CONFIG, msg, details, cause === undefined ? undefined : { cause });
}

function bool(c: Record<string, unknown>, key: string): boolean {
  const v = c[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new CniError(CNI_ERRORS.DECODING_FAILURE, `failed to load netconf: ${key}: ${JSON.stringify(v)} is not true or false`);
  return v;
}

function int(c: Record<string, unknown>, key: string): number {
  const v = c[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new CniError(CNI_ERRORS.DECODING_FAILURE, `failed to load netconf: ${key}: ${JSON.stringify(v)} is not a whole number`);
  return v;
}

/**
 * Parses CNI_ARGS ('K1=V1;K2=V2'). Like the reference (types.LoadArgs into its MacEnvArgs),
 * keys other than MAC and IgnoreUnknown are refused unless IgnoreUnknown is true.
 */
export function parseCniArgs(text: string | undefined): { mac?: string } {
  if (!text) return {};
  const pairs = text.split(';').filter((p) => p !== '');
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.indexOf('=', eq + 1) >= 0) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, `ARGS: invalid pair "${pair}"`);
    map.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const ignoreUnknown = /^(1|true)$/i.test(map.get('IgnoreUnknown') ?? '');
  for (const key of map.keys()) {
    if (key !== 'MAC' && key !== 'IgnoreUnknown' && !ignoreUnknown) {
      throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, `ARGS: can not find field "${key}"`);
    }
  }
  const mac = map.get('MAC');
  return mac ? { mac } : {};
}

/**
 * Checks a configuration (JSON text or object) and applies the reference's defaults. Bad JSON is
 * code 6, a missing or bad name code 7, an unsupported cniVersion is left to checkVersion().
 */
export function parseBridgeConfig(input: string | Uint8Array | BridgeNetConf, cniArgs?: string): BridgeConfig {
  let raw: string;
  let parsed: unknown;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    raw = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw CniError.wrap(CNI_ERRORS.DECODING_FAILURE, `error unmarshall network config`, error);
    }
  } else {
    parsed = input;
    raw = JSON.stringify(input);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CniError(CNI_ERRORS.DECODING_FAILURE, 'error unmarshall network config: not a JSON object');
  }
  const c = parsed as Record<string, unknown>;
  if (c.name === undefined || c.name === '') throw invalid('missing network name');
  if (typeof c.name !== 'string' || !NAME.test(c.name)) throw invalid('invalid characters found in network name', String(c.name));
  const cniVersion = c.cniVersion === undefined || c.cniVersion === '' ? '0.1.0' : c.cniVersion;
  if (typeof cniVersion !== 'string') throw new CniError(CNI_ERRORS.DECODING_FAILURE, `cniVersion ${JSON.stringify(cniVersion)} is not a string`);

  const bridge = c.bridge === undefined || c.bridge === '' ? 'cni0' : c.bridge;
  const bridgeProblem = interfaceNameProblem(bridge);
  if (bridgeProblem !== undefined || typeof bridge !== 'string') throw invalid(`invalid bridge name ${JSON.stringify(bridge)}`, bridgeProblem);
  const vlan = int(c, 'vlan');
  if (vlan < 0 || vlan > VLAN_ID_MAX) throw invalid(`invalid VLAN ID ${vlan} (must be between 0 and ${VLAN_ID_MAX})`);
  const mtu = int(c, 'mtu');
  if (mtu !== 0) {
    try {
      checkMtu(mtu);
    } catch (error) {
      throw invalid(`invalid mtu ${mtu}`, (error as Error).message, error);
    }
  }

  let ipamType = '';
  if (c.ipam !== undefined && c.ipam !== null) {
    if (typeof c.ipam !== 'object' || Array.isArray(c.ipam)) throw new CniError(CNI_ERRORS.DECODING_FAILURE, 'failed to load netconf: ipam is not an object');
    const t = (c.ipam as Record<string, unknown>).type;
    if (t !== undefined && typeof t !== 'string') throw new CniError(CNI_ERRORS.DECODING_FAILURE, 'failed to load netconf: ipam.type is not a string');
    ipamType = t ?? '';
  }

  const config: BridgeConfig = {
    cniVersion,
    name: c.name,
    bridge,
    isGateway: bool(c, 'isGateway'),
    isDefaultGateway: bool(c, 'isDefaultGateway'),
    forceAddress: bool(c, 'forceAddress'),
    ipMasq: bool(c, 'ipMasq'),
    mtu,
    hairpinMode: bool(c, 'hairpinMode'),
    promiscMode: bool(c, 'promiscMode'),
    vlan,
    enableDad: bool(c, 'enabledad'),
    ipamType,
    dns: typeof c.dns === 'object' && c.dns !== null ? dnsFromJson(c.dns as Record<string, unknown>) : {},
    raw,
  };
  if (config.isDefaultGateway) config.isGateway = true;
  if (config.hairpinMode && config.promiscMode) throw invalid('cannot set hairpin mode and promiscuous mode at the same time.');

  const envMac = parseCniArgs(cniArgs).mac;
  const argsMac = (c.args as { cni?: { mac?: unknown } } | undefined)?.cni?.mac;
  const runtimeMac = (c.runtimeConfig as { mac?: unknown } | undefined)?.mac;
  const mac = [runtimeMac, argsMac, envMac].find((m) => typeof m === 'string' && m !== '') as string | undefined;
  if (mac !== undefined) {
    if (macProblem(mac.replaceAll('-', ':')) !== undefined) throw invalid(`invalid MAC address ${JSON.stringify(mac)}`);
    config.mac = mac.replaceAll('-', ':').toLowerCase();
  }
  if (c.prevResult !== undefined && c.prevResult !== null) config.prevResult = resultFromJson(c.prevResult, 'prevResult');
  const valid = c['cni.dev/valid-attachments'];
  if (valid !== undefined) {
    if (!Array.isArray(valid)) throw new CniError(CNI_ERRORS.DECODING_FAILURE, 'cni.dev/valid-attachments is not an array');
    config.validAttachments = valid.map((a: { containerID?: unknown; ifname?: unknown }) => ({ containerID: String(a?.containerID ?? ''), ifname: String(a?.ifname ?? '') }));
  }
  return config;
}

/** CNI_CONTAINERID: alphanumeric first, then alphanumerics, '_', '.', '-' (spec, section 2). */
export function checkContainerId(id: string): void {
  if (id === '') throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, 'missing containerID');
  if (!NAME.test(id)) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, 'invalid characters in containerID', id);
}

/** CNI_IFNAME: what Linux accepts as an interface name, as it is (lib/validate.ts). */
export function checkIfname(name: string): void {
  if (name === '') throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, 'interface name is empty');
  const problem = interfaceNameProblem(name);
  if (problem !== undefined) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, `invalid interface name ${JSON.stringify(name)}`, problem);
}
