/**
 * Decoded attribute sets remember the bytes they came from under a non-enumerable symbol, so that
 * re-encoding reproduces the original order, flag bits and byte-level quirks of unchanged values.
 * The record is invisible to JSON, spread and equality checks.
 */
export const WIRE = Symbol('netlink.wire');

export function rememberWire(target: object, bytes: Uint8Array): void {
  Object.defineProperty(target, WIRE, { value: bytes, enumerable: false, writable: true, configurable: true });
}

export function wireOf(target: object): Uint8Array | undefined {
  return (target as { [WIRE]?: Uint8Array })[WIRE];
}

/** Structural equality for decoded values: primitives, byte arrays, arrays and plain objects. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
