import type { Codec } from './codec.js';
import { InvalidArgumentError } from '../errors.js';
import { formatIP, formatIPv4, formatIPv6, parseIP, parseIPv4, parseIPv6 } from './ip-text.js';

function ipCodec(label: string, sizes: readonly number[], parse: (t: string) => Uint8Array | undefined): Codec<string> {
  return {
    label,
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      const len = end - start;
      if (!sizes.includes(len)) throw src.error(start, `${label} needs ${sizes.join(' or ')} bytes, got ${len}`);
      return len === 4 ? formatIPv4(src.bytes, start) : formatIPv6(src.bytes, start);
    },
    encode(w, v, field) {
      const parsed = typeof v === 'string' ? parse(v) : undefined;
      if (!parsed) throw new InvalidArgumentError(field, v, `is not a valid ${label}`);
      w.bytes(parsed);
    },
  };
}

export const ipv4: Codec<string> = ipCodec('IPv4 address', [4], parseIPv4);
export const ipv6: Codec<string> = ipCodec('IPv6 address', [16], parseIPv6);
/** IPv4 or IPv6, told apart by length on the wire and by ':' in text. */
export const ip: Codec<string> = ipCodec('IP address', [4, 16], parseIP);

const HEX_OCTETS = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*$/;

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** HEX_BYTE with a ':' after each, made at the first address formatted. */
let hexByteColon: string[] | undefined;
const HEX_DIGIT = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Made at the first address too long for formatHardwareAddress's table. */
let latin1: { decode(bytes: Uint8Array): string } | undefined;

/** `b[start..end)` as lowercase colon-separated hex ('02:00:0a:00:00:02'). */
export function formatHardwareAddress(b: Uint8Array, start: number, end: number): string {
  if (start >= end) return '';
  if (end - start > 32) return formatLong(b, start, end);
  // One concatenation a byte ('02:' and so on, the last without its ':'), not two.
  const withColon = (hexByteColon ??= HEX_BYTE.map((hex) => `${hex}:`));
  let s = '';
  const last = end - 1;
  for (let i = start; i < last; i++) s += withColon[b[i]!]!;
  return s + HEX_BYTE[b[last]!]!;
}

/** An address of any length (a hostile one fills a 64 KiB attribute) as text in one pass. */
function formatLong(b: Uint8Array, start: number, end: number): string {
  const text = new Uint8Array((end - start) * 3 - 1);
  for (let i = start, o = 0; i < end; i++, o += 3) {
    text[o] = HEX_DIGIT[b[i]! >> 4]!;
    text[o + 1] = HEX_DIGIT[b[i]! & 15]!;
    if (o + 2 < text.length) text[o + 2] = 58; // ':'
  }
  return (latin1 ??= new TextDecoder('latin1')).decode(text);
}

/** The bytes of colon-separated hex text ('02:00:0A:00:00:02', any number of octets), or undefined. */
export function parseHardwareAddress(text: string): Uint8Array | undefined {
  if (!HEX_OCTETS.test(text)) return undefined;
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

/**
 * A link-layer address as lowercase colon-separated hex. Decodes any length (a tunnel's is 4 or 16
 * bytes, InfiniBand's 20); encodes exactly `octets` bytes (6 for Ethernet MACs) unless octets is 0.
 */
export function hardwareAddress(octets: number): Codec<string> {
  return {
    label: octets ? `${octets}-byte MAC address` : 'link-layer address',
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      return formatHardwareAddress(src.bytes, start, end);
    },
    encode(w, v, field) {
      const parsed = typeof v === 'string' ? parseHardwareAddress(v) : undefined;
      if (!parsed) throw new InvalidArgumentError(field, v, 'is not a MAC address like 02:00:00:00:00:01');
      if (octets && parsed.length !== octets) {
        throw new InvalidArgumentError(field, v, `has ${parsed.length} bytes, a MAC address has ${octets}`);
      }
      w.bytes(parsed);
    },
  };
}

export const mac = hardwareAddress(6);
export const lladdr = hardwareAddress(0);

export { formatIP };
