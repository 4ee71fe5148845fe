/**
 * The `portMappings` and `bandwidth` runtime capabilities as a configuration gives them
 * (capabilities.ts applies them): read and checked before anything is changed. Apart from
 * capabilities.ts, which reaches the NAT and tc code, so that the cni-bridge executable's first
 * stage can tell a DEL that has none of them to undo (lib/cni/early-release.ts).
 */
import { CNI_ERRORS, CniError } from './errors.js';
import { isIntegerIn } from '../../messages/checks.js';

export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIP?: string;
}

/** The bandwidth plugin's keys: rates in bits per second, bursts in bits. */
export interface CniBandwidth {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

export interface Capabilities {
  portMappings: CniPortMapping[];
  bandwidth?: CniBandwidth;
}

function invalid(message: string): CniError {
  return new CniError(CNI_ERRORS.INVALID_NETWORK_CONFIG, message);
}

function port(value: unknown, what: string): number {
  if (!isIntegerIn(value, 1, 65535)) throw invalid(`${what}: ${JSON.stringify(value)} is not a port: a whole number from 1 to 65535`);
  return value;
}

function bits(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  if (!isIntegerIn(value, 0, Number.MAX_SAFE_INTEGER)) throw invalid(`${what}: ${JSON.stringify(value)} is not a whole number of bits (per second)`);
  return value;
}

/** The bandwidth plugin's rule: a rate and its burst come together, and a burst fits in 4 GiB of bytes. */
function rateAndBurst(rate: number, burst: number, what: string): void {
  if (burst > 0 && rate === 0) throw invalid(`${what}: if burst is set, rate must also be set`);
  if (rate > 0 && burst === 0) throw invalid(`${what}: if rate is set, burst must also be set`);
  if (burst / 8 >= 2 ** 32) throw invalid(`${what}: burst cannot be more than 4GB`);
  if (rate > 0 && rate < 8) throw invalid(`${what}: a rate of ${rate} bits per second is below one byte per second`);
}

/** Reads and checks the capabilities of a configuration (its JSON text), before anything is changed. */
export function parseCapabilities(raw: string): Capabilities {
  const conf = JSON.parse(raw) as Record<string, unknown>;
  const runtime = (typeof conf.runtimeConfig === 'object' && conf.runtimeConfig !== null ? conf.runtimeConfig : {}) as Record<string, unknown>;
  const caps: Capabilities = { portMappings: [] };
  const mappings = runtime.portMappings;
  if (mappings !== undefined && mappings !== null) {
    if (!Array.isArray(mappings)) throw invalid('runtimeConfig.portMappings: not a list');
    mappings.forEach((m: unknown, i) => {
      const what = `runtimeConfig.portMappings[${i}]`;
      if (typeof m !== 'object' || m === null) throw invalid(`${what}: not an object`);
      const r = m as Record<string, unknown>;
      const protocol = r.protocol === undefined || r.protocol === '' ? 'tcp' : String(r.protocol).toLowerCase();
      if (protocol !== 'tcp' && protocol !== 'udp') throw invalid(`${what}.protocol: ${JSON.stringify(r.protocol)} is not tcp or udp`);
      const mapping: CniPortMapping = { hostPort: port(r.hostPort, `${what}.hostPort`), containerPort: port(r.containerPort, `${what}.containerPort`), protocol };
      if (typeof r.hostIP === 'string' && r.hostIP !== '' && r.hostIP !== '0.0.0.0' && r.hostIP !== '::') mapping.hostIP = r.hostIP;
      caps.portMappings.push(mapping);
    });
  }
  const source = (typeof runtime.bandwidth === 'object' && runtime.bandwidth !== null ? runtime.bandwidth : conf) as Record<string, unknown>;
  const bw: CniBandwidth = {
    ingressRate: bits(source.ingressRate, 'ingressRate'),
    ingressBurst: bits(source.ingressBurst, 'ingressBurst'),
    egressRate: bits(source.egressRate, 'egressRate'),
    egressBurst: bits(source.egressBurst, 'egressBurst'),
  };
  rateAndBurst(bw.ingressRate!, bw.ingressBurst!, 'ingress');
  rateAndBurst(bw.egressRate!, bw.egressBurst!, 'egress');
  if (bw.ingressRate || bw.egressRate) caps.bandwidth = bw;
  return caps;
}
