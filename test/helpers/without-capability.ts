/**
 * Runs an action with one capability out of the calling thread's effective set, and puts it back:
 * capabilities are per thread (capset(2) changes the caller's only), so the main thread, where
 * every call of the library runs, loses it while libuv's threads keep it. It stays permitted, so a
 * root test process can raise it again.
 */
import koffi from 'koffi';

/** <linux/capability.h> */
export const CAP_NET_ADMIN = 12;
const LINUX_CAPABILITY_VERSION_3 = 0x2008_0522;

interface CapabilityCalls {
  capget(header: Buffer, data: Buffer): number;
  capset(header: Buffer, data: Buffer): number;
}

let calls: CapabilityCalls | undefined;

function capabilityCalls(): CapabilityCalls {
  if (calls === undefined) {
    const lib = koffi.load('libc.so.6');
    calls = { capget: lib.func('int capget(void *header, void *data)'), capset: lib.func('int capset(void *header, const void *data)') };
  }
  return calls;
}

export function withoutCapability<T>(capability: number, action: () => T): T {
  const { capget, capset } = capabilityCalls();
  // struct __user_cap_header_struct { u32 version; int pid (0: this thread) }, then two
  // struct __user_cap_data_struct { u32 effective, permitted, inheritable } for capabilities 0-31 and 32-63.
  const header = Buffer.alloc(8);
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
  const data = Buffer.alloc(24);
  if (capget(header, data) !== 0) throw new Error('capget failed');
  const saved = Buffer.from(data);
  const word = (capability >> 5) * 12;
  data.writeUInt32LE((data.readUInt32LE(word) & ~(1 << (capability & 31))) >>> 0, word);
  if (capset(header, data) !== 0) throw new Error('capset failed');
  try {
    return action();
  } finally {
    if (capset(header, saved) !== 0) throw new Error('capset could not give the capability back');
  }
}
