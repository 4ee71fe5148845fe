import type { Codec, RawAttribute } from '../attributes/codec.js';
import { bytes } from '../attributes/scalars.js';
import { checkRecord } from '../checks.js';
import { kindName } from './codecs.js';
import { attr, defineTable, type AttrTable, type ValuesOf } from '../attributes/table.js';
import { decodeAttributes, encodeAttributes } from '../attributes/walk.js';
import { dataByKind, kindData, kindEntries, type KindTables } from '../attributes/by-kind.js';

export type { KindTables } from '../attributes/by-kind.js';

// IFLA_INFO_* (<linux/if_link.h>): the payload of IFLA_LINKINFO. IFLA_INFO_DATA is read with the
// table of its IFLA_INFO_KIND, IFLA_INFO_SLAVE_DATA with that of its IFLA_INFO_SLAVE_KIND; a kind
// without a table keeps its data as raw bytes, and writes them back unchanged.

type KnownKind<K extends KindTables> = { [N in keyof K & string]: { kind: N; data?: ValuesOf<K[N]> } }[keyof K & string];
type KnownSlaveKind<S extends KindTables> = {
  [N in keyof S & string]: { slaveKind: N; slaveData?: ValuesOf<S[N]> };
}[keyof S & string];

/**
 * The decoded IFLA_LINKINFO: `kind` and `data` (typed by kind for the kinds in the table map,
 * raw bytes for any other kind), `slaveKind` and `slaveData` likewise, `xstats` as bytes.
 */
export type LinkInfoOf<K extends KindTables, S extends KindTables> = {
  /** IFLA_INFO_XSTATS: driver-specific statistics, raw. */
  xstats?: Uint8Array;
  /** Attributes without a table entry, kept as they were. */
  unknown?: RawAttribute[];
} & (KnownKind<K> | { kind?: string; data?: Uint8Array }) &
  (KnownSlaveKind<S> | { slaveKind?: string; slaveData?: Uint8Array });


/** IFLA_INFO_KIND: the kind's name, which says how IFLA_INFO_DATA is read. */
export const IFLA_INFO_KIND = 1;
/** IFLA_INFO_DATA: the kind's own attributes (VETH_INFO_*, IFLA_BR_* ...). */
export const IFLA_INFO_DATA = 2;

function infoTable(data: Codec<unknown>, slaveData: Codec<unknown>) {
  return defineTable('IFLA_INFO', () => [
    attr(IFLA_INFO_KIND, 'IFLA_INFO_KIND', 'kind', kindName),
    attr(IFLA_INFO_DATA, 'IFLA_INFO_DATA', 'data', data),
    attr(3, 'IFLA_INFO_XSTATS', 'xstats', bytes),
    attr(4, 'IFLA_INFO_SLAVE_KIND', 'slaveKind', kindName),
    attr(5, 'IFLA_INFO_SLAVE_DATA', 'slaveData', slaveData),
  ]);
}

/**
 * The IFLA_LINKINFO codec for the given kind and slave-kind tables. Decoding uses one table whose
 * data attributes look at their kind sibling; encoding picks, by the value's kind and slaveKind,
 * a table whose data attributes use that kind's table (each built on its first use).
 */
export function linkinfoCodec<K extends KindTables, S extends KindTables>(kinds: K, slaveKinds: S): Codec<LinkInfoOf<K, S>> {
  const infoKinds = kindEntries('IFLA_INFO_DATA', kinds);
  const slaveEntries = kindEntries('IFLA_INFO_SLAVE_DATA', slaveKinds);
  const decodeTable = infoTable(dataByKind(infoKinds, 'kind'), dataByKind(slaveEntries, 'slaveKind'));

  // The table to encode with, for a kind and a slave kind ('' for "no table for this kind"), made on
  // first use: a process builds the few pairs it sends (veth, bridge ...), not all of them at load.
  // The kernel sends IFLA_INFO_DATA and IFLA_INFO_SLAVE_DATA without NLA_F_NESTED and iproute2
  // sends none either; rtnl_link_ops parsing accepts both, so user-built data matches iproute2.
  const encodeTables = new Map<string, Map<string, AttrTable<unknown>>>();
  const dataCodec = (entries: typeof infoKinds, name: string): Codec<unknown> => (name === '' ? (bytes as Codec<unknown>) : kindData(entries.get(name)!.table));
  const encodeTable = (kind: string, slaveKind: string): AttrTable<unknown> => {
    let bySlave = encodeTables.get(kind);
    if (bySlave === undefined) encodeTables.set(kind, (bySlave = new Map()));
    let table = bySlave.get(slaveKind);
    if (table === undefined) bySlave.set(slaveKind, (table = infoTable(dataCodec(infoKinds, kind), dataCodec(slaveEntries, slaveKind)) as AttrTable<unknown>));
    return table;
  };

  return {
    label: 'nested IFLA_INFO',
    shape: 'container',
    // The kernel sends IFLA_LINKINFO without NLA_F_NESTED and iproute2 sends none either; the
    // kernel parses it either way, so user-built messages match iproute2 byte for byte.
    nestedFlag: false,
    decode: (src, start, end) => decodeAttributes(decodeTable, src, start, end) as LinkInfoOf<K, S>,
    encode(w, value, field) {
      const { kind, slaveKind } = checkRecord(value, field, 'an object of IFLA_INFO attributes');
      const table = encodeTable(typeof kind === 'string' && infoKinds.has(kind) ? kind : '', typeof slaveKind === 'string' && slaveEntries.has(slaveKind) ? slaveKind : '');
      encodeAttributes(table, w, value, field);
    },
  };
}
