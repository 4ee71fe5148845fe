import { cniEnv, config, ipam, natNetworkTag, natOwner, openHost, removeNat, type ConfigInput, type GcOptions } from './call.js';
import { deleteIfbs, ifbName, ifbPrefix, unpublishOwned } from './capabilities.js';
import { CNI_ERRORS, CniError } from './errors.js';
import { checkVersion, compareVersions } from './types.js';

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
        await ipam('GC', n, env, host);
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
    await ipam('STATUS', n, env, host);
  } catch (error) {
    throw CniError.from(error);
  } finally {
    host.close();
  }
}
