/**
 * The IPv4 prefix as routes and addresses are usually written ('10.0.0.2/24'), read in one pass
 * over its characters with nothing allocated: four decimal parts of at most 255 without leading
 * zeros, dots between them, then a slash and a length of one or two digits up to 32. Anything else
 * (IPv6, leading zeros, spaces, a mistake) is left to parsePrefix, which also words the errors.
 *
 * No call but charCodeAt and no loop over the characters: a process adds a few hundred addresses,
 * and a loop spends V8's tier-up budget per character (an optimizing compile of the parse in the
 * middle of them). A character past the end reads as NaN, which no test below takes.
 */

/** The address plainIPv4Prefix read last, host bits kept: valid right after it returns a length. */
export let plainIPv4Address = 0;

/**
 * The prefix length of `text` written plainly, its address left in plainIPv4Address; -1, with
 * nothing set, when the text is not one. With `bare`, an address without a slash reads as /32.
 */
export function plainIPv4Prefix(text: string, bare: boolean): number {
  const end = text.length;
  let p = 0;
  let address = 0;
  let dots = 0;
  // The character after a part, less 48: '.' is -2, '/' -1, past the end NaN.
  let c = 0;
  // Part by part until the character after one is not a dot: a test and a count a part, where a
  // loop over the four parts by number tested the number three more times.
  for (;;) {
    let value = text.charCodeAt(p) - 48;
    if (!(value >= 0 && value <= 9)) return -1;
    c = text.charCodeAt(++p) - 48;
    if (c >= 0 && c <= 9) {
      if (value === 0) return -1;
      value = value * 10 + c;
      c = text.charCodeAt(++p) - 48;
      if (c >= 0 && c <= 9) {
        value = value * 10 + c;
        if (value > 255) return -1;
        c = text.charCodeAt(++p) - 48;
      }
    }
    address = address * 256 + value;
    if (c !== -2 || ++dots === 4) break;
    p++;
  }
  if (dots !== 3) return -1;
  if (bare && p === end) {
    plainIPv4Address = address;
    return 32;
  }
  if (c !== -1) return -1;
  const digits = end - ++p;
  if (digits < 1 || digits > 2) return -1;
  let length = text.charCodeAt(p) - 48;
  if (!(length >= 0 && length <= 9)) return -1;
  if (digits === 2) {
    const c = text.charCodeAt(p + 1) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    length = length * 10 + c;
    if (length > 32) return -1;
  }
  plainIPv4Address = address;
  return length;
}
