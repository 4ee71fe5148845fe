/**
 * What every CNI verb of the bridge engine shares: the per-call options, the configuration and the
 * CNI_* environment, opening the host and container namespaces, the IPAM plugin, and the NAT rules
 * of an attachment.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { msSince, type Logger } from '../log.js';
import { Namespace } from '../namespace.js';
import { withNetns } from '../sys/index.js';
import { parseBridgeConfig, checkContainerId, checkIfname, type BridgeConfig, type BridgeNetConf } from './config.js';
import { CNI_ERRORS, CniError } from './errors.js';
import { cniEnv, netnsPath, type NetnsLike } from './cni-env.js';
import { execPlugin, type CniEnv } from './exec.js';
import { checkVersion, type CniResult } from './types.js';

export { callOptions, cniEnv, netnsPath, type NetnsLike } from './cni-env.js';

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
  /**
   * Where the call's outcome is logged at info (the attachment, the addresses given, the time
   * taken, or the error's CNI code), and its namespaces' requests at debug. Silent by default.
   */
  logger?: Logger;
}

/** detachContainer's options: AttachOptions, but `netns` may be missing or gone (DEL must still clean up). */
export type DetachOptions = Omit<AttachOptions, 'netns'> & { netns?: NetnsLike };

/** gcNetwork's and networkStatus's options: where IPAM plugins are (CNI_PATH) and the host namespace. */
export interface GcOptions {
  cniPath?: string;
  host?: NetnsLike;
}

/** A network configuration as the CNI commands take it: JSON text or bytes, the parsed object, or parseBridgeConfig's result. */
export type ConfigInput = string | Uint8Array | BridgeNetConf | BridgeConfig;

export function config(input: ConfigInput, args?: string): BridgeConfig {
  if (typeof input === 'object' && !(input instanceof Uint8Array) && typeof (input as BridgeConfig).raw === 'string' && 'ipamType' in input) return input as BridgeConfig;
  return parseBridgeConfig(input as string | Uint8Array | BridgeNetConf, args);
}

/**
 * A Namespace of our own on `ref`, closed when the call ends: a path is opened (and checked to be
 * a network namespace), an open namespace is opened again through its fd, so the caller's stays theirs.
 */
export function openNetns(ref: NetnsLike, logger?: Logger): Promise<Namespace> {
  return Namespace.open({ path: typeof ref === 'string' ? ref : `/proc/self/fd/${ref.fd}` }, logger ? { logger } : {});
}

/** Namespace.open's refusal of a path that does not exist (its cause is the ENOENT of the open). */
export function isMissingNetns(error: unknown): boolean {
  return error instanceof InvalidArgumentError && errno(error.cause) === 'ENOENT';
}

export async function openHost(ref: NetnsLike | undefined, logger?: Logger): Promise<Namespace> {
  return ref === undefined ? Namespace.current(logger ? { logger } : {}) : openNetns(ref, logger);
}

/** A sysctl (components under net) that may be absent, e.g. with IPv6 disabled: undefined then. */
export function sysctlIfPresent(ns: Namespace, parts: readonly string[], value?: string): string | undefined {
  try {
    return ns.sysctl(['net', ...parts], value);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a sysctl only when it differs (one read, like the reference's echo1). */
export function ensureSysctl(ns: Namespace, parts: readonly string[], value: string): void {
  if (ns.sysctl(['net', ...parts]) !== value) ns.sysctl(['net', ...parts], value);
}

/**
 * What ADD, DEL and CHECK start with: the network configuration, checked along with CNI_CONTAINERID
 * and CNI_IFNAME, and the CNI_* environment for the IPAM plugin.
 */
export function containerRequest(input: ConfigInput, options: DetachOptions): { n: BridgeConfig; env: CniEnv } {
  const n = config(input, options.args);
  checkVersion(n.cniVersion);
  checkContainerId(options.containerId);
  checkIfname(options.ifname);
  return { n, env: cniEnv(options) };
}

/** The container namespace, or CniError when CNI_NETNS does not name one. */
export async function openContainer(ref: NetnsLike, logger?: Logger): Promise<Namespace> {
  try {
    return await openNetns(ref, logger);
  } catch (error) {
    throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to open netns "${netnsPath(ref)}"`, error);
  }
}

/** The container namespace (CNI_NETNS) and the host one, both open, or neither. */
export async function openContainerAndHost(options: AttachOptions): Promise<{ container: Namespace; host: Namespace }> {
  const container = await openContainer(options.netns, options.logger);
  try {
    return { container, host: await openHost(options.host, options.logger) };
  } catch (error) {
    container.close();
    throw error;
  }
}

/** ADD's or DEL's outcome at info: the attachment, the addresses given (ADD) and the time taken, or the error's CNI code. */
export function logCniOutcome(verb: 'ADD' | 'DEL', n: BridgeConfig, options: DetachOptions, start: number, outcome: CniResult | CniError | undefined): void {
  const log = options.logger;
  if (!log?.isLevelEnabled('info')) return;
  const fields = { op: verb === 'ADD' ? 'cni.add' : 'cni.del', network: n.name, containerId: options.containerId, ifname: options.ifname, ms: msSince(start) };
  if (outcome instanceof CniError) log.info({ ...fields, code: outcome.cniCode, err: outcome }, `CNI ${verb} failed`);
  else log.info(outcome?.ips ? { ...fields, ips: outcome.ips.map((ip) => ip.address) } : fields, `CNI ${verb} done`);
}

/** The code of an error (ours, or Node's for a file operation), if it has one. */
export function errno(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The owner token our NAT rules carry: one network, one attachment (container id + ifname). */
export function natOwner(network: string, containerId: string, ifname: string): string {
  return `cni:${natNetworkTag(network)}:${hash(`${containerId}/${ifname}`, 12)}`;
}
export function natNetworkTag(network: string): string {
  return hash(network, 8);
}
function hash(text: string, length: number): string {
  return createHash('sha512').update(text).digest('hex').slice(0, length);
}

/**
 * Runs the IPAM plugin with CNI_COMMAND=`command` from the host namespace (as the reference does);
 * with `after`, the plugin starts at once but acts only once `after` has resolved (execPlugin's stdinAfter).
 */
export function ipam(command: string, n: BridgeConfig, env: CniEnv, host: Namespace, after?: Promise<unknown>): Promise<unknown> {
  return execPlugin(n.ipamType, command, n.raw, env, { spawnIn: (start) => withNetns(host.fd, start), ...(after ? { stdinAfter: after } : {}) });
}

export async function loadNat(host: Namespace, logger?: Logger) {
  const [{ Nat }, { Nftables }] = await Promise.all([import('../nat/nat.js'), import('../nat/nftables.js')]);
  return new Nat(Nftables.open({ netnsFd: host.fd, context: `in ${host}` }), logger ? { logger: logger.child({ netns: host.path }) } : {});
}

/** Removes the NAT rules of one attachment (or, with `keep`, every rule of the network not kept). */
export async function removeNat(host: Namespace, owned: (owner: string) => boolean, logger?: Logger): Promise<number> {
  const nat = await loadNat(host, logger);
  try {
    return await nat.remove((rule) => rule.owner !== undefined && owned(rule.owner));
  } finally {
    nat.close();
  }
}

