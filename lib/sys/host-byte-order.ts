import { endianness } from 'node:os';

/**
 * Netlink carries numbers in the host's byte order, and every codec in messages/ reads and writes
 * little-endian: on a big-endian host they would misread every message. Refuse to load there,
 * rather than send the kernel wrong requests.
 */
export function checkHostByteOrder(order: 'BE' | 'LE' = endianness()): void {
  if (order !== 'LE') {
    throw new Error('netns-rtnl needs a little-endian host: netlink uses host byte order and this library encodes little-endian (x86_64, aarch64, riscv64 ...)');
  }
}

checkHostByteOrder();
