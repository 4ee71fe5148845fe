import type { Codec, SiblingAwareCodec } from './codec.js';
import { bytes } from './scalars.js';
import type { AttrTable } from './table.js';
import { checkRawAttributes, decodeAttributes, encodeAttributes } from './walk.js';
import { checkRecord } from '../checks.js';

// Attributes whose payload is read with the table named by a string attribute beside them:
// IFLA_INFO_DATA by IFLA_INFO_KIND, TCA_OPTIONS by TCA_KIND, TCA_ACT_OPTIONS by TCA_ACT_KIND.
// A kind without a table keeps its payload as raw bytes, and writes them back unchanged.

/** Attribute tables by kind name, e.g. { veth, bridge, vxlan } or { tbf, ingress }. */
export type KindTables = Readonly<Record<string, AttrTable<unknown>>>;

export interface KindEntry {
  readonly table: AttrTable<unknown>;
  /** Shown in decode error paths, e.g. 'IFLA_INFO_DATA(veth)'; built once, not per message. */
  readonly path: string;
}

export function kindEntries(kernelName: string, tables: KindTables): Map<string, KindEntry> {
  const map = new Map<string, KindEntry>();
  for (const [name, table] of Object.entries(tables)) map.set(name, { table, path: `${kernelName}(${name})` });
  return map;
}

/** Decodes the payload after its siblings, with the table of the kind named by `siblings[kindField]`. */
export function dataByKind(kinds: Map<string, KindEntry>, kindField: string, nestedFlag = false): SiblingAwareCodec<unknown> {
  return {
    label: `data by ${kindField}`,
    shape: 'container',
    nestedFlag,
    afterSiblings: true,
    decode(src, start, end, siblings) {
      const name = siblings[kindField];
      const entry = typeof name === 'string' ? kinds.get(name) : undefined;
      if (entry === undefined) return src.bytes.slice(start, end);
      src.path[src.path.length - 1] = entry.path;
      return decodeAttributes(entry.table, src, start, end);
    },
    encode(w, value, field) {
      // Encoding goes through per-kind tables (kindData); this is reached only without one.
      bytes.encode(w, value as Uint8Array, field);
    },
  };
}

/** The payload of a known kind: its attributes, or raw bytes if the caller gives a Uint8Array. */
export function kindData(table: AttrTable<unknown>, nestedFlag = false): Codec<unknown> {
  return {
    label: `nested ${table.space}`,
    shape: 'container',
    nestedFlag,
    decode: (src, start, end) => decodeAttributes(table, src, start, end),
    encode(w, value, field) {
      if (value instanceof Uint8Array) w.bytes(checkRawAttributes(table, value, field));
      else encodeAttributes(table, w, value, field);
    },
  };
}

/**
 * One attribute set in which `dataField` is read with the table named by `kindField`: a table to
 * decode with (its data attribute looks at the kind beside it) and, to encode with, a table per
 * known kind whose data attribute uses that kind's table (all built here, once).
 */
export function tablesByKind<A>(
  build: (data: Codec<unknown>) => AttrTable<A>,
  kernelName: string,
  kindField: string,
  kinds: KindTables,
  nestedFlag = false,
): { decodeTable: AttrTable<A>; tableFor(kind: unknown): AttrTable<A> } {
  const entries = kindEntries(kernelName, kinds);
  const decodeTable = build(dataByKind(entries, kindField, nestedFlag));
  const rawTable = build({ ...bytes, nestedFlag });
  const encodeTables = new Map<string, AttrTable<A>>();
  for (const [name, entry] of entries) encodeTables.set(name, build(kindData(entry.table, nestedFlag)));
  return {
    decodeTable,
    tableFor: (kind) => (typeof kind === 'string' ? encodeTables.get(kind) : undefined) ?? rawTable,
  };
}

/** A nested attribute set whose data attribute is read by kind (see tablesByKind). */
export function nestedByKind<A>(tables: { decodeTable: AttrTable<A>; tableFor(kind: unknown): AttrTable<A> }, kindField: string, nestedFlag: boolean): Codec<A> {
  return {
    label: `nested ${tables.decodeTable.space}`,
    shape: 'container',
    nestedFlag,
    decode: (src, start, end) => decodeAttributes(tables.decodeTable, src, start, end),
    encode(w, value, field) {
      const record = checkRecord(value, field, `an object of ${tables.decodeTable.space} attributes`);
      encodeAttributes(tables.tableFor(record[kindField]), w, value, field);
    },
  };
}
