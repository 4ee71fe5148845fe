/**
 * Named namespaces deleted together. Unmounting /run/netns/NAME returns only after an RCU grace
 * period (the kernel's namespace_unlock), so unpinning six namespaces one after another waits six
 * times. Those asked for in the same turn of the event loop (a cluster's teardown:
 * `Promise.all(namespaces.map((ns) => ns.delete()))`) are unmounted at the same time instead, on
 * libuv's worker threads, so that their waits overlap and share grace periods. A lone one is
 * unmounted on this thread, without a worker thread's hand-off.
 */
import { unlinkSync } from 'node:fs';
import { MNT_DETACH, UMOUNT_NOFOLLOW } from './constants.js';
import { umount2OffThread } from './libc.js';
import { deleteNamedNetns, namedNetnsPath, unmountQuietly, type NetnsDirOptions } from './named-netns.js';
import { systemCallErrorOf } from './system-call-error.js';

interface Unpin {
  name: string;
  options: NetnsDirOptions;
  resolve: () => void;
  reject: (error: unknown) => void;
}

let pending: Unpin[] | undefined;

/** deleteNamedNetns, together with the others asked for in this turn of the event loop. */
export function deleteNamedNetnsTogether(name: string, options: NetnsDirOptions = {}): Promise<void> {
  try {
    namedNetnsPath(name, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    if (pending === undefined) {
      pending = [];
      queueMicrotask(unpinPending);
    }
    pending.push({ name, options, resolve, reject });
  });
}

function unpinPending(): void {
  const unpins = pending!;
  pending = undefined;
  if (unpins.length > 1) {
    for (const unpin of unpins) unpinOffThread(unpin).then(unpin.resolve, unpin.reject);
    return;
  }
  const [unpin] = unpins;
  try {
    deleteNamedNetns(unpin!.name, unpin!.options);
    unpin!.resolve();
  } catch (error) {
    unpin!.reject(error);
  }
}

async function unpinOffThread({ name, options }: Unpin): Promise<void> {
  const path = namedNetnsPath(name, options);
  // On failure the errno stays on the worker thread: unmounting again here tells what it was.
  if ((await umount2OffThread(path, MNT_DETACH | UMOUNT_NOFOLLOW)) !== 0) unmountQuietly(path);
  try {
    unlinkSync(path);
  } catch (error) {
    // EBUSY: still a mount point here, so the worker thread was in another mount namespace than this one.
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw systemCallErrorOf(error);
    deleteNamedNetns(name, options);
  }
}
