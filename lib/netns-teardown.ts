/**
 * Waiting for what a deleted namespace takes with it. Unmounting /run/netns/NAME and closing our
 * fds only drops references: the kernel destroys the namespace later, in a work queue, and only
 * then deletes its veths, and with them their peers in other namespaces (a host-side veth name is
 * taken for a few tens of ms more). This watches those peers over netlink until they are gone.
 */
import { RequestTimeoutError } from './errors.js';
import type { Monitor } from './monitor/index.js';
import type { Namespace } from './namespace.js';

/**
 * Kinds whose two ends are deleted together. Other links with a link-netnsid (a vxlan or macvlan
 * over a device elsewhere) leave that device alone.
 */
const PAIRED_KINDS: ReadonlySet<string> = new Set(['veth', 'vxcan', 'netkit']);

/** One namespace holding peers of the dying namespace's devices, watched for their deletion. */
interface Watch {
  ns: Namespace;
  /** Indexes (in `ns`) of the peers still there. */
  indexes: Set<number>;
  monitor: Monitor;
}

export interface PeerWatch {
  /** Resolves once every watched peer is gone; rejects with RequestTimeoutError after `timeoutMs`. */
  gone(timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * Before `dying` is deleted: finds the devices in other namespaces whose peer is in `dying` (a veth
 * end's IFLA_LINK, in the namespace its IFLA_LINK_NETNSID names) and starts watching their
 * namespaces' link events. The namespaces looked at are the current one and the named ones in
 * `dir`: a peer in an unnamed namespace (a container's, by pid) is not waited for.
 */
export async function watchPeers(dying: Namespace, candidates: Iterable<() => Promise<Namespace>>): Promise<PeerWatch> {
  const byNsid = new Map<number, Set<number>>();
  for (const link of await dying.rtnl.links()) {
    if (link.linkNetnsid === undefined || !PAIRED_KINDS.has(link.kind ?? '')) continue;
    let set = byNsid.get(link.linkNetnsid);
    if (!set) byNsid.set(link.linkNetnsid, (set = new Set()));
    // The kernel leaves IFLA_LINK out when the peer's index equals the link's own.
    set.add(link.parent ?? link.index);
  }
  const watches: Watch[] = [];
  const close = (): void => {
    for (const w of watches) {
      w.monitor.close();
      w.ns.close();
    }
  };
  try {
    for (const open of candidates) {
      if (byNsid.size === 0) break;
      const ns = await open().catch(() => undefined); // a name deleted meanwhile
      if (!ns) continue;
      const nsid = ns.inode === dying.inode ? undefined : await dying.nsid(ns);
      const indexes = nsid === undefined ? undefined : byNsid.get(nsid);
      if (!indexes) {
        ns.close();
        continue;
      }
      byNsid.delete(nsid!);
      watches.push({ ns, indexes, monitor: ns.monitor({ groups: ['link'] }) });
    }
  } catch (error) {
    close();
    throw error;
  }
  return {
    close,
    async gone(timeoutMs) {
      const timer = setTimeout(close, timeoutMs);
      try {
        await Promise.all(watches.map((w) => untilGone(w)));
      } finally {
        clearTimeout(timer);
        close();
      }
      const left = watches.filter((w) => w.indexes.size > 0);
      if (left.length) {
        const what = left.map((w) => `index ${[...w.indexes].join(', ')} in ${w.ns}`).join('; ');
        throw new RequestTimeoutError(`waiting for the devices of ${dying} to go (${what}; is something still holding the namespace: a process inside it, an open fd, another mount?)`, timeoutMs);
      }
    },
  };
}

/** Reads link events until every watched index is deleted (checking with RTM_GETLINK after an overrun). */
async function untilGone(w: Watch): Promise<void> {
  // The monitor was joined before the delete: a device gone before that is found missing here.
  await dropMissing(w);
  if (w.indexes.size === 0) return;
  for await (const event of w.monitor) {
    if (event.kind === 'link' && event.action === 'del' && !event.bridgePort) w.indexes.delete(event.link.index);
    else if (event.kind === 'overrun') await dropMissing(w);
    if (w.indexes.size === 0) return;
  }
}

async function dropMissing(w: Watch): Promise<void> {
  for (const index of [...w.indexes]) if ((await w.ns.findLink(index)) === undefined) w.indexes.delete(index);
}
