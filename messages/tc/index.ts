import type { BodyCodec } from '../body.js';
import type { Codec } from '../attributes/codec.js';
import { bytes, flag, string, u32, u8 } from '../attributes/scalars.js';
import { tablesByKind, type KindTables } from '../attributes/by-kind.js';
import { attr, defineTable, type AttrTable, type ValuesOf } from '../attributes/table.js';
import { nested } from '../attributes/walk.js';
import { headerWithAttributes, type FixedHeader, type HeaderWithAttributes } from '../fixed-header.js';
import { tcmsg, type TcHeader } from './header.js';
import { ingressAttributes, type IngressOptions } from './kinds/ingress.js';
import { tbfAttributes, type TbfOptions } from './kinds/tbf.js';
import { u32Attributes, type U32Options } from './kinds/u32.js';
import { bitfield32, statsAttributes, tcStats } from './stats.js';

// Traffic control: qdiscs (RTM_NEWQDISC, DELQDISC, GETQDISC) and filters (RTM_NEWTFILTER,
// DELTFILTER, GETTFILTER). Both are a struct tcmsg then TCA_* attributes (<linux/rtnetlink.h>);
// TCA_OPTIONS is read with the table of its TCA_KIND, which differs between qdiscs and filters.

export * from './header.js';
export * from './stats.js';
export * from './actions.js';
export * from './kinds/tbf.js';
export * from './kinds/ingress.js';
export * from './kinds/mirred.js';
export * from './kinds/u32.js';

/** Qdisc kinds whose TCA_OPTIONS is decoded. Adding one: a file in kinds/ and a line here. */
export const qdiscKindTables = { tbf: tbfAttributes, ingress: ingressAttributes, clsact: ingressAttributes } as const;
/** Filter (classifier) kinds whose TCA_OPTIONS is decoded. */
export const filterKindTables = { u32: u32Attributes } as const;

function tcaTable(options: Codec<unknown>) {
  return defineTable('TCA', () => [
    attr(1, 'TCA_KIND', 'kind', string(15)),
    attr(2, 'TCA_OPTIONS', 'options', options),
    attr(3, 'TCA_STATS', 'stats', tcStats),
    /** The kind's own statistics, kept as bytes. */
    attr(4, 'TCA_XSTATS', 'xstats', bytes),
    /** struct tc_estimator (interval, ewma_log), kept as bytes. */
    attr(5, 'TCA_RATE', 'rate', bytes),
    attr(7, 'TCA_STATS2', 'stats2', nested(statsAttributes)),
    attr(10, 'TCA_DUMP_INVISIBLE', 'dumpInvisible', flag),
    attr(11, 'TCA_CHAIN', 'chain', u32),
    attr(12, 'TCA_HW_OFFLOAD', 'hwOffload', u8),
    attr(13, 'TCA_INGRESS_BLOCK', 'ingressBlock', u32),
    attr(14, 'TCA_EGRESS_BLOCK', 'egressBlock', u32),
    attr(15, 'TCA_DUMP_FLAGS', 'dumpFlags', bitfield32),
    attr(16, 'TCA_EXT_WARN_MSG', 'extWarnMsg', string()),
  ]);
}

type TcaCommon = Omit<ValuesOf<ReturnType<typeof tcaTable>>, 'kind' | 'options'>;

/** A qdisc's TCA_* attributes, with TCA_OPTIONS decoded for the kinds this library knows (tbf, ingress, clsact). */
export type QdiscAttrs = TcaCommon &
  (
    | { kind: 'tbf'; options?: TbfOptions }
    | { kind: 'ingress' | 'clsact'; options?: IngressOptions }
    | { kind?: string; options?: Uint8Array }
  );

/** A filter's TCA_* attributes, with TCA_OPTIONS decoded for u32. */
export type FilterAttrs = TcaCommon & ({ kind: 'u32'; options?: U32Options } | { kind?: string; options?: Uint8Array });

/** A qdisc (RTM_*QDISC) message body: the fixed header's fields, and `attrs`. */
export type QdiscBody = HeaderWithAttributes<TcHeader, QdiscAttrs>;
/** A filter (RTM_*TFILTER) message body: the fixed header's fields, and `attrs`. */
export type FilterBody = HeaderWithAttributes<TcHeader, FilterAttrs>;

/** A tcmsg body whose TCA_OPTIONS table is chosen by TCA_KIND among `kinds`. */
function tcBody<A>(kinds: KindTables): BodyCodec<HeaderWithAttributes<TcHeader, A>> {
  const tables = tablesByKind(tcaTable, 'TCA_OPTIONS', 'kind', kinds) as unknown as { decodeTable: AttrTable<A>; tableFor(kind: unknown): AttrTable<A> };
  return headerWithAttributes(tcmsg as FixedHeader<TcHeader>, tables.decodeTable, { encodeTable: (body) => tables.tableFor((body.attrs as { kind?: unknown } | undefined)?.kind) });
}

/** The codec of a qdisc (RTM_*QDISC) message body (fixed header, then attributes). */
export const qdiscBody = tcBody<QdiscAttrs>(qdiscKindTables);
/** The codec of a filter (RTM_*TFILTER) message body (fixed header, then attributes). */
export const filterBody = tcBody<FilterAttrs>(filterKindTables);
