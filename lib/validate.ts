/**
 * Checks of user input, run before anything is sent to the kernel. Each failure names the field,
 * the value and what would be accepted.
 */
import { formatIP, parseIP, parseIPv4, parseIPv6 } from '../messages/attributes/ip-text.js';
import { parseHardwareAddress } from '../messages/attributes/addresses.js';
import { validateNetnsName } from './sys/named-netns.js';
import { InvalidArgumentError, showValue as show } from '../messages/errors.js';
import { IFNAMSIZ } from '../messages/constants.js';

export { InvalidArgumentError };
/** The integer checks are messages/'s own: one check, one table of ranges, for lib/ and the encoders. */
import { isIntegerIn } from '../messages/checks.js';

export { checkInteger, checkU32 } from '../messages/checks.js';

/** The highest VLAN id a port can carry (802.1Q reserves 0 and 4095). */
export const VLAN_ID_MAX = 4094;

/** An IP family: 4 or 6. */
export type Family = 4 | 6;

export interface Prefix {
  family: Family;
  address: string;
  prefixlen: number;
}

/** A prefix as parsed: with its address's 4 or 16 bytes (a fresh array, the caller's to change). */
export interface ParsedPrefix extends Prefix {
  bytes: Uint8Array;
}

/**
 * The bytes the kernel's isspace() matches: its ctype table (lib/ctype.c) is Latin-1, so besides
 * \t \n \v \f \r and ' ' it has 0xA0, which is a continuation byte of many UTF-8 characters
 * ('à' is C3 A0). Unicode spaces such as U+3000 have no such byte and the kernel accepts them.
 */
function isKernelSpace(byte: number): boolean {
  return (byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0;
}

/**
 * At most 15 ASCII characters, none that the kernel refuses or rewrites, and not '.' or '..':
 * nearly every name, checked without making its UTF-8 bytes (Buffer.from, a large part of a
 * creation's checks). Anything else goes the long way, which words the problem.
 */
function isPlainAsciiName(name: string): boolean {
  if (name.length >= IFNAMSIZ || name === '.' || name === '..') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80 || PLAIN_NAME_CHAR[c] === 0) return false;
  }
  return true;
}

/** 1 for each ASCII character a plain name may have (isPlainAsciiName): not '/', ':', NUL, '%' or a kernel space. */
const PLAIN_NAME_CHAR = Uint8Array.from({ length: 0x80 }, (_, c) => (c === 0x2f || c === 0x3a || c === 0 || c === 0x25 || isKernelSpace(c) ? 0 : 1));

/**
 * Why the kernel would refuse or rewrite `name` as an interface name, or undefined if it takes it
 * as it is. The rules are dev_valid_name's (net/core/dev.c): 1 to 15 bytes, not '.' or '..', no
 * '/', ':' or isspace() byte; and no '%', which makes the kernel pick a name (`br%d` becomes `br0`).
 * A NUL would cut the name short. The name is checked as the UTF-8 bytes that are sent.
 */
export function interfaceNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'is not a string: an interface name is 1 to 15 bytes';
  if (name.length === 0) return 'is empty: an interface name is 1 to 15 bytes';
  if (isPlainAsciiName(name)) return undefined;
  if (!name.isWellFormed()) return 'is not valid Unicode, so it has no UTF-8 form';
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length >= IFNAMSIZ) return `is ${bytes.length} bytes: an interface name is at most ${IFNAMSIZ - 1}`;
  if (name === '.' || name === '..') return 'is not allowed as an interface name';
  for (const byte of bytes) {
    if (byte === 0x2f || byte === 0x3a || byte === 0 || isKernelSpace(byte)) {
      return `contains '/', ':', a NUL or whitespace (byte 0x${byte.toString(16).padStart(2, '0')}), which an interface name cannot`;
    }
    if (byte === 0x25) return "contains '%', which makes the kernel choose the name (br%d becomes br0): give the exact name";
  }
  return undefined;
}

/** An interface name the kernel takes exactly as given (see interfaceNameProblem). */
export function checkInterfaceName(name: unknown, field = 'name'): string {
  const problem = interfaceNameProblem(name);
  if (problem !== undefined) throw new InvalidArgumentError(field, name, problem);
  return name as string;
}

/** A name for a namespace file in the netns directory (see validateNetnsName). */
export function checkNamespaceName(name: unknown, field = 'namespace name'): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(field, name, 'is not a string');
  validateNetnsName(name, field);
  return name;
}

/** An IP address without prefix: '10.0.0.1' or 'fd00::1'. */
export function parseAddress(text: unknown, field: string): { family: Family; address: string; bytes: Uint8Array } {
  if (typeof text !== 'string') throw new InvalidArgumentError(field, text, 'is not an IP address string');
  if (text.includes('/')) throw new InvalidArgumentError(field, text, 'has a prefix length: give a bare address such as 10.0.0.1');
  const bytes = parseIP(text);
  if (!bytes) throw new InvalidArgumentError(field, text, 'is not a valid IPv4 or IPv6 address');
  return { family: bytes.length === 4 ? 4 : 6, address: text, bytes };
}

/**
 * 'address/prefixlen'. With `allowBare`, a bare address means a host prefix (/32 or /128);
 * without it, a missing prefix is an error.
 */
export function parsePrefix(text: unknown, field: string, options: { allowBare?: boolean } = {}): ParsedPrefix {
  if (typeof text !== 'string') throw new InvalidArgumentError(field, text, 'is not a string like 10.0.0.2/24');
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressText.includes(':') ? parseIPv6(addressText) : parseIPv4(addressText);
  if (!bytes) throw new InvalidArgumentError(field, text, `has an invalid address part ${show(addressText)}: expected e.g. 10.0.0.2/24 or fd00::2/64`);
  const family: Family = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) {
    if (!options.allowBare) throw new InvalidArgumentError(field, text, `has no prefix length: write it as ${text}/${max === 32 ? 24 : 64} (or /${max} for one host)`);
    return { family, address: addressText, bytes, prefixlen: max };
  }
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    throw new InvalidArgumentError(field, text, `has prefix length ${show(lenText)}: an IPv${family} prefix length is 0 to ${max}`);
  }
  return { family, address: addressText, bytes, prefixlen: Number(lenText) };
}

/** The network part of a prefix, in canonical text: '10.0.0.7/24' -> '10.0.0.0'. */
export function networkOf(prefix: Prefix): string {
  const bytes = 'bytes' in prefix ? (prefix as ParsedPrefix).bytes.slice() : (prefix.family === 4 ? parseIPv4 : parseIPv6)(prefix.address)!;
  for (let bit = prefix.prefixlen; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return formatIP(bytes, 0, bytes.length);
}

/** Why `mac` is not a 6-byte MAC address ('02:00:00:00:00:01'), or undefined if it is one. */
export function macProblem(mac: unknown): string | undefined {
  const bytes = typeof mac === 'string' ? parseHardwareAddress(mac) : undefined;
  if (!bytes) return 'is not a MAC address like 02:00:00:00:00:01';
  if (bytes.length !== 6) return `has ${bytes.length} bytes: a MAC address has 6`;
  return undefined;
}

export function checkMac(mac: unknown, field = 'mac'): string {
  const problem = macProblem(mac);
  if (problem !== undefined) throw new InvalidArgumentError(field, mac, problem);
  return mac as string;
}

export function checkMtu(mtu: unknown, field = 'mtu'): number {
  if (!isIntegerIn(mtu, 68, 65535)) {
    throw new InvalidArgumentError(field, mtu, 'is not an MTU: a whole number from 68 to 65535');
  }
  return mtu;
}

/**
 * The components of a net.* sysctl key, as sysctl(8) reads it: 'net.ipv4.conf.eth0/100.forwarding'
 * is net, ipv4, conf, eth0.100, forwarding ('/' stands for a dot inside a component, so interface
 * names with dots can be reached). An array gives the components as they are:
 * ['net', 'ipv4', 'conf', 'eth0.100', 'forwarding'].
 */
export function sysctlComponents(key: unknown, field = 'sysctl'): string[] {
  const parts = typeof key === 'string' ? key.split('.').map((p) => p.replaceAll('/', '.')) : Array.isArray(key) ? [...(key as unknown[])] : undefined;
  const example = "'net.ipv4.ip_forward', or its components ['net', 'ipv4', 'ip_forward']";
  if (parts === undefined || parts.length < 2 || parts[0] !== 'net') throw new InvalidArgumentError(field, key, `is not a net.* sysctl key like ${example}`);
  for (const part of parts) {
    if (typeof part !== 'string' || part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\0') || !part.isWellFormed()) {
      throw new InvalidArgumentError(field, key, `has a component ${show(part)} that cannot be part of a sysctl key like ${example}`);
    }
  }
  return parts as string[];
}

/** A value to write to a sysctl: a string, or a finite number written in decimal. */
export function sysctlValue(value: unknown, field = 'value'): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && !value.includes('\0')) return value;
  throw new InvalidArgumentError(field, value, "is not a sysctl value: give a string ('1', '4096 87380 6291456') or a finite number");
}

/** 4 or 6, the IP version, as routes, addresses and their filters take it. */
export function checkFamily(value: unknown, field = 'family'): Family {
  if (value === 4 || value === 6) return value;
  throw new InvalidArgumentError(field, value, 'is not 4 or 6 (IPv4 or IPv6)');
}

/** An options or filter object: `undefined` gives {}; null, a string or an array is refused. */
export function checkOptions<T extends object>(value: T | undefined, field = 'options'): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(field, value, 'is not an options object: leave it out, or give { ... }');
  return value;
}

/**
 * A namespace handle (a Namespace: something with the fd of a network namespace), checked before
 * a request carries its fd. A closed Namespace throws its own "is closed" error here.
 */
export function checkNamespaceHandle<T>(value: T, field = 'namespace'): T {
  const fd = typeof value === 'object' && value !== null ? (value as { fd?: unknown }).fd : undefined;
  if (!isIntegerIn(fd, 0, 0x7fffffff)) throw new InvalidArgumentError(field, value, 'is not a Namespace (Namespace.create, open or current)');
  return value;
}
