/**
 * Text forms of IP addresses without node:net: strict parsing, and canonical output
 * (dotted quad; RFC 5952 for IPv6, lowercase, longest zero run compressed, IPv4-mapped shown mixed).
 */

export function formatIPv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Where formatIPv4Prefix writes its text. */
const PREFIX_TEXT = Buffer.alloc(20);

/** Writes `n` (0 to 255) in decimal at `o`; returns the offset after it. */
function writeByteDecimal(text: Uint8Array, o: number, n: number): number {
  if (n >= 100) text[o++] = 48 + ((n / 100) | 0);
  if (n >= 10) text[o++] = 48 + (((n / 10) | 0) % 10);
  text[o++] = 48 + (n % 10);
  return o;
}

/**
 * The dotted quad at `b[at]`, '/' and `prefix` (0 to 255) as one flat string. Text joined with +
 * into 13 characters or more is a cons string (the two pieces, and a pair pointing to them): for
 * '10.1.134.160/32' 64 bytes of heap where the flat string takes 32, and a dump keeps one a route.
 */
export function formatIPv4Prefix(b: Uint8Array, at: number, prefix: number): string {
  const text = PREFIX_TEXT;
  let o = 0;
  for (let i = at; i < at + 4; i++) {
    o = writeByteDecimal(text, o, b[i]!);
    text[o++] = 46; // '.'
  }
  text[o - 1] = 47; // '/'
  o = writeByteDecimal(text, o, prefix);
  return text.toString('latin1', 0, o);
}

export function formatIPv6(b: Uint8Array, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[at + i]! << 8) | b[at + i + 1]!);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    return `::ffff:${formatIPv4(b, at + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/**
 * The dotted quad in text[start, end) as a 32-bit number (first byte highest), or -1 when it is not
 * one (no leading zeros, each part 0..255). Allocates nothing: request encoders call it per request.
 */
export function ipv4Number(text: string, start = 0, end = text.length): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let result = 0;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return -1;
      result = result * 256 + value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return -1;
      value = value * 10 + (c - 48);
      if (value > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  return part === 4 ? result : -1;
}

/** Parses a dotted quad into 4 bytes, or returns undefined (no leading zeros, each part 0..255). */
export function parseIPv4(text: string): Uint8Array | undefined {
  const value = ipv4Number(text);
  if (value < 0) return undefined;
  return Uint8Array.of(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/** Parses any RFC 4291 text form (with '::' and an optional trailing dotted quad) into 16 bytes, or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let tail: Uint8Array | undefined;
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail = parseIPv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    body = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  let words: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return undefined;
    words = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    if (head.length !== 8) return undefined;
    words = head;
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** Parses an IPv4 or IPv6 address; returns its bytes (4 or 16) or undefined. */
export function parseIP(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** The canonical text of the IPv4 (length 4) or IPv6 (length 16) address at `b[at]`. */
export function formatIP(b: Uint8Array, at: number, length: number): string {
  return length === 4 ? formatIPv4(b, at) : formatIPv6(b, at);
}
