/**
 * Decoded attribute sets remember the bytes they came from, so that re-encoding reproduces the
 * original order, flag bits and byte-level quirks of unchanged values. They are built as instances
 * of this class, whose record lives in private fields: invisible to JSON, spread, Object.keys and
 * toEqual, and as cheap as ordinary properties (unlike a non-enumerable property defined per
 * object, which is slow to add: bench/results/messages.md). The bytes are kept as
 * (buffer, start, end), so no subarray is made unless the set is re-encoded.
 */
export class Attributes {
  #bytes: Uint8Array | undefined;
  #start = 0;
  #end = 0;

  static remember(target: Attributes, bytes: Uint8Array, start: number, end: number): void {
    target.#bytes = bytes;
    target.#start = start;
    target.#end = end;
  }

  static wire(target: object): Uint8Array | undefined {
    return #bytes in target && target.#bytes !== undefined ? target.#bytes.subarray(target.#start, target.#end) : undefined;
  }
}

/** The bytes a decoded attribute set came from; undefined for sets a caller built. */
export function wireOf(target: object): Uint8Array | undefined {
  return Attributes.wire(target);
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
