/**
 * The fixed part of every link request written directly (no message object): struct ifinfomsg and a
 * link's name. Kept apart from link-request.ts, which needs the link codec's tables: the cni-bridge
 * executable writes its DEL's RTM_DELLINK with these before it loads the engine.
 */
import { encodeText } from '../../messages/checks.js';
import { AF_UNSPEC } from '../../messages/constants.js';
import { IFLA_IFNAME } from '../../messages/link/ifname.js';
import type { Writer } from '../../messages/writer.js';

/** IFLA_IFNAME (linux/if_link.h), the one link attribute written here. */
export { IFLA_IFNAME };

/** struct ifinfomsg of AF_UNSPEC: family, pad, type, index, flags, change. */
export function writeIfinfo(w: Writer, index: number, flags: number, change: number): void {
  w.u8(AF_UNSPEC);
  w.u8(0);
  w.u16(0);
  w.s32(index);
  w.u32(flags);
  w.u32(change);
}

/**
 * An interface name (checked already) with its NUL. An ASCII one (the usual) takes one append and
 * its characters are stored straight into the buffer: in baseline code each w.u8 is two calls.
 */
export function writeName(w: Writer, type: number, name: string): void {
  const at = w.beginAttr(type);
  const n = name.length;
  let ascii = true;
  for (let i = 0; i < n; i++) if (name.charCodeAt(i) >= 0x80) ascii = false;
  if (ascii) {
    const start = w.append(n + 1);
    // Read after append, which may replace the buffer.
    const b = w.buffer;
    for (let i = 0; i < n; i++) b[start + i] = name.charCodeAt(i);
    b[start + n] = 0;
  } else {
    w.bytes(encodeText(name, 'name', 15));
    w.u8(0);
  }
  w.endAttr(at);
}
