/**
 * Checks of user input, run before anything is sent to the kernel. Each failure names the field,
 * the value and what would be accepted.
 */
import { formatIP, parseIP, parseIPv4, parseIPv6 } from '../messages/attributes/ip-text.js';
import { parseHardwareAddress } from '../messages/attributes/addresses.js';
import { validateNetnsName } from './sys/named-netns.js';
import { InvalidArgumentError, showValue as show } from '../messages/errors.js';

export { InvalidArgumentError };

export type Family = 4 | 6;

export interface Prefix {
  family: Family;
  address: string;
  prefixlen: number;
}

const IFNAMSIZ = 16;

/** Linux accepts an interface name of 1..15 bytes without '/', ':' or whitespace (dev_valid_name). */
export function checkInterfaceName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(field, name, 'is not a string: an interface name is 1 to 15 bytes');
  if (name.length === 0) throw new InvalidArgumentError(field, name, 'is empty: an interface name is 1 to 15 bytes');
  if (!name.isWellFormed()) throw new InvalidArgumentError(field, name, 'is not valid Unicode, so it has no UTF-8 form');
  const bytes = Buffer.byteLength(name);
  if (bytes >= IFNAMSIZ) throw new InvalidArgumentError(field, name, `is ${bytes} bytes: an interface name is at most ${IFNAMSIZ - 1}`);
  if (name === '.' || name === '..') throw new InvalidArgumentError(field, name, 'is not allowed as an interface name');
  if (/[/:\s]/.test(name) || name.includes('\0')) {
    throw new InvalidArgumentError(field, name, "contains '/', ':', a NUL or whitespace, which an interface name cannot");
  }
  return name;
}

export function checkNamespaceName(name: unknown, field = 'namespace name'): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(field, name, 'is not a string');
  try {
    validateNetnsName(name);
  } catch (error) {
    throw new InvalidArgumentError(field, name, `is not usable: ${(error as Error).message}`);
  }
  return name;
}

/** An IP address without prefix: '10.0.0.1' or 'fd00::1'. */
export function parseAddress(text: unknown, field: string): { family: Family; address: string } {
  if (typeof text !== 'string') throw new InvalidArgumentError(field, text, 'is not an IP address string');
  if (text.includes('/')) throw new InvalidArgumentError(field, text, 'has a prefix length: give a bare address such as 10.0.0.1');
  const bytes = parseIP(text);
  if (!bytes) throw new InvalidArgumentError(field, text, 'is not a valid IPv4 or IPv6 address');
  return { family: bytes.length === 4 ? 4 : 6, address: text };
}

/**
 * 'address/prefixlen'. With `allowBare`, a bare address means a host prefix (/32 or /128);
 * without it, a missing prefix is an error.
 */
export function parsePrefix(text: unknown, field: string, options: { allowBare?: boolean } = {}): Prefix {
  if (typeof text !== 'string') throw new InvalidArgumentError(field, text, 'is not a string like 10.0.0.2/24');
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressText.includes(':') ? parseIPv6(addressText) : parseIPv4(addressText);
  if (!bytes) throw new InvalidArgumentError(field, text, `has an invalid address part ${show(addressText)}: expected e.g. 10.0.0.2/24 or fd00::2/64`);
  const family: Family = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) {
    if (!options.allowBare) throw new InvalidArgumentError(field, text, `has no prefix length: write it as ${text}/${max === 32 ? 24 : 64} (or /${max} for one host)`);
    return { family, address: addressText, prefixlen: max };
  }
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    throw new InvalidArgumentError(field, text, `has prefix length ${show(lenText)}: an IPv${family} prefix length is 0 to ${max}`);
  }
  return { family, address: addressText, prefixlen: Number(lenText) };
}

/** The network part of a prefix, in canonical text: '10.0.0.7/24' -> '10.0.0.0'. */
export function networkOf(prefix: Prefix): string {
  const bytes = (prefix.family === 4 ? parseIPv4 : parseIPv6)(prefix.address)!;
  for (let bit = prefix.prefixlen; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return formatIP(bytes, 0, bytes.length);
}

export function checkMac(mac: unknown, field = 'mac'): string {
  const bytes = typeof mac === 'string' ? parseHardwareAddress(mac) : undefined;
  if (!bytes) throw new InvalidArgumentError(field, mac, 'is not a MAC address like 02:00:00:00:00:01');
  if (bytes.length !== 6) throw new InvalidArgumentError(field, mac, `has ${bytes.length} bytes: a MAC address has 6`);
  return mac as string;
}

export function checkMtu(mtu: unknown, field = 'mtu'): number {
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
    throw new InvalidArgumentError(field, mtu, 'is not an MTU: a whole number from 68 to 65535');
  }
  return mtu;
}

export function checkU32(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new InvalidArgumentError(field, value, 'is not a whole number from 0 to 4294967295');
  }
  return value;
}

export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, value, `is not a whole number from ${min} to ${max}`);
  }
  return value;
}
