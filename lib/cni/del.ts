import type { Namespace } from '../namespace.js';
import { containerRequest, errno, ipam, isMissingNetns, logCniOutcome, natOwner, netnsPath, openHost, openNetns, removeNat, type ConfigInput, type DetachOptions } from './call.js';
import { deleteIfbs, ifbName, parseCapabilities, unpublishOwned } from './capabilities.js';
import type { DeletionOutcome } from './early-delete.js';
import { CNI_ERRORS, CniError } from './errors.js';
import { monotonicMs } from '../clock.js';

/**
 * DEL: removes the container's interface (and so the veth pair), releases the IPAM reservation and
 * removes the attachment's NAT rules. Missing things are success: DEL may be repeated.
 */
export function detachContainer(input: ConfigInput, options: DetachOptions): Promise<void> {
  return detach(input, options, undefined);
}

/**
 * detachContainer, with the deletion of the container's interface perhaps started already by the
 * cni-bridge executable (`deletion`, lib/cni/early-delete.ts): its outcome stands for the deletion
 * here, unless it asks for the deletion to be made again.
 */
export async function detach(input: ConfigInput, options: DetachOptions, deletion: Promise<DeletionOutcome> | undefined): Promise<void> {
  const start = monotonicMs();
  const { n, env } = containerRequest(input, options);
  const host = await openHost(options.host, options.logger);
  try {
    // The reservation is released only once the interface is gone (as the reference orders it),
    // but the IPAM plugin is started meanwhile: the kernel takes tens of ms to remove a device.
    const deleted = removeInterface(options, env.netns, deletion);
    const released = n.ipamType !== '' ? ipam('DEL', n, env, host, deleted) : undefined;
    // An IPAM failure is reported once the deletion is over (and a failed deletion fails both).
    released?.catch(() => undefined);
    await deleted;
    await released;
    // Hashed (node:crypto) only when something carries it.
    let ownerTag: string | undefined;
    const owner = () => (ownerTag ??= natOwner(n.name, options.containerId, options.ifname));
    if (n.ipamType !== '' && n.ipMasq) await removeNat(host, (o) => o === owner(), options.logger);
    const caps = parseCapabilities(n.raw);
    if (caps.portMappings.length) await unpublishOwned(host, (o) => o === owner());
    if (caps.bandwidth) await deleteIfbs(host, (name) => name === ifbName(owner()));
    logCniOutcome('DEL', n, options, start, undefined);
  } catch (error) {
    const failure = CniError.from(error);
    logCniOutcome('DEL', n, options, start, failure);
    throw failure;
  } finally {
    host.close();
  }
}

/** Deletes the container's interface, if its namespace and it are there (or takes the outcome of the deletion begun already). */
async function removeInterface(options: DetachOptions, shown: string, deletion: Promise<DeletionOutcome> | undefined): Promise<void> {
  if (deletion !== undefined && (await deletion) !== 'again') return;
  if (options.netns === undefined || netnsPath(options.netns) === '') return;
  let container: Namespace;
  try {
    container = await openNetns(options.netns, options.logger);
  } catch (error) {
    if (isMissingNetns(error)) return;
    throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to open netns "${shown}"`, error);
  }
  await deleteInterface(container, options.ifname);
}

/** Deletes the container's interface, if it is there; closes the container's namespace. */
async function deleteInterface(container: Namespace, ifname: string): Promise<void> {
  try {
    await container.rtnl.deleteLink(ifname);
  } catch (error) {
    if (errno(error) !== 'ENODEV') throw CniError.wrap(CNI_ERRORS.INTERNAL, `failed to delete "${ifname}"`, error);
  } finally {
    container.close();
  }
}
