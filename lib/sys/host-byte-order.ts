import { NetnsRtnlError } from '../../messages/errors.js';

/** This library cannot work on this host: a big-endian CPU (netlink is host byte order, the codecs little-endian). */
export class UnsupportedHostError extends NetnsRtnlError {
  override readonly name = 'UnsupportedHostError';
  readonly code = 'ERR_UNSUPPORTED_HOST';
  constructor(message: string) {
    super(message);
  }
}

/** os.endianness() without loading node:os at every import: the first byte of a 16-bit 1. */
function hostByteOrder(): 'BE' | 'LE' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
}

/**
 * Netlink carries numbers in the host's byte order, and every codec in messages/ reads and writes
 * little-endian: on a big-endian host they would misread every message. Refuse to load there,
 * rather than send the kernel wrong requests.
 */
export function checkHostByteOrder(order: 'BE' | 'LE' = hostByteOrder()): void {
  if (order !== 'LE') {
    throw new UnsupportedHostError('netns-rtnl needs a little-endian host: netlink uses host byte order and this library encodes little-endian (x86_64, aarch64, riscv64 ...)');
  }
}

checkHostByteOrder();
