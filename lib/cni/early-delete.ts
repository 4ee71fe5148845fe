/**
 * DEL's deletion of the container's interface as the cni-bridge executable starts it, before it
 * loads the engine: the kernel takes tens of ms to remove a veth (its RTM_DELLINK returns only once
 * the device is unregistered), time the engine's load can run in. One RTM_DELLINK naming the
 * interface, sent on one of libuv's worker threads from a socket opened in the container's
 * namespace; the engine waits for its outcome before the IPAM plugin releases the address, as it
 * waits for its own deletion (lib/cni/del.ts).
 *
 * Anything but a plain outcome (the device deleted, or not there) is left to the engine, which
 * makes the deletion again its own way and reports what fails as it always has: a deletion the
 * kernel refused changed nothing. Started only for a call the command line's checks pass
 * (first-stage.ts), so a call it refuses deletes nothing.
 */
import { NLM_F_ACK, NLM_F_REQUEST, RTM_DELLINK } from '../../messages/constants.js';
import { Writer } from '../../messages/writer.js';
import { IFLA_IFNAME, writeIfinfo, writeName } from '../rtnl/ifinfo.js';
import { ERRNO } from '../sys/errno.js';
import { requestOffThread } from '../sys/netlink-request-off-thread.js';

/**
 * How the deletion begun early ended: the interface removed, not there at all (DEL's success
 * either way), or anything else, for the engine to make the deletion again and report.
 */
export type DeletionOutcome = 'deleted' | 'absent' | 'again';

/**
 * Starts DEL's deletion of CNI_IFNAME in CNI_NETNS, for a call checked already, if it names a
 * namespace that opens; undefined otherwise (the engine then does it all, as before).
 */
export function startDeletion(env: NodeJS.ProcessEnv): Promise<DeletionOutcome> | undefined {
  if (!env.CNI_NETNS) return undefined;
  const w = new Writer(64);
  try {
    const start = w.frameHeader(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0);
    writeIfinfo(w, 0, 0, 0);
    writeName(w, IFLA_IFNAME, env.CNI_IFNAME!);
    w.setU32(start, w.length - start);
    return requestOffThread(env.CNI_NETNS, w.finish()).then((errno) => (errno === 0 ? 'deleted' : errno === ERRNO.ENODEV ? 'absent' : 'again'));
  } catch {
    return undefined;
  }
}
