import type { Codec, RawAttribute, SiblingAwareCodec } from '../attributes/codec.js';
import { bytes, cstring, u32be, u8 } from '../attributes/scalars.js';
import { checkArray, checkRecord } from '../checks.js';
import { InvalidArgumentError, showValue } from '../errors.js';
import { attr, defineTable, repeatedAttr, type AttrTable, type ValuesOf } from '../attributes/table.js';
import { checkRawAttributes, decodeAttributes, encodeAttributes, nested } from '../attributes/walk.js';
import { s32be, u64be } from './codecs.js';

// nf_tables rule expressions: NFTA_RULE_EXPRESSIONS holds NFTA_LIST_ELEM entries, each an
// NFTA_EXPR_NAME ('meta', 'payload', 'cmp' ...) and NFTA_EXPR_DATA whose attributes depend on the
// name. Names with a table below decode into objects; any other expression keeps its data as raw
// bytes and is written back unchanged.

/** NFTA_VERDICT_*: a verdict (NF_ACCEPT, NF_DROP, NFT_JUMP + chain ...). */
export const verdictAttributes = defineTable('NFTA_VERDICT', () => [
  attr(1, 'NFTA_VERDICT_CODE', 'code', s32be),
  attr(2, 'NFTA_VERDICT_CHAIN', 'chain', cstring),
  attr(3, 'NFTA_VERDICT_CHAIN_ID', 'chainId', u32be),
]);
/** The decoded NFTA_VERDICT_* attributes: one field per attribute of the table, named as the table names it. */
export type VerdictAttrs = ValuesOf<typeof verdictAttributes>;

/** NFTA_DATA_*: a constant (bytes as they sit in a register) or a verdict. */
export const dataAttributes = defineTable('NFTA_DATA', () => [
  attr(1, 'NFTA_DATA_VALUE', 'value', bytes),
  attr(2, 'NFTA_DATA_VERDICT', 'verdict', nested(verdictAttributes)),
]);
/** The decoded NFTA_DATA_* attributes: one field per attribute of the table, named as the table names it. */
export type DataAttrs = ValuesOf<typeof dataAttributes>;

/** meta: load packet metadata (oifname, iifname, nfproto, mark ...) into a register, or set it. */
// Declared KEY first: objects built here encode in table order, and nft writes KEY before DREG.
export const metaAttributes = defineTable('NFTA_META', () => [
  attr(2, 'NFTA_META_KEY', 'key', u32be),
  attr(1, 'NFTA_META_DREG', 'dreg', u32be),
  attr(3, 'NFTA_META_SREG', 'sreg', u32be),
]);

/** payload: load `len` bytes at `offset` of a header (`base`) into a register, or write them. */
export const payloadAttributes = defineTable('NFTA_PAYLOAD', () => [
  attr(1, 'NFTA_PAYLOAD_DREG', 'dreg', u32be),
  attr(2, 'NFTA_PAYLOAD_BASE', 'base', u32be),
  attr(3, 'NFTA_PAYLOAD_OFFSET', 'offset', u32be),
  attr(4, 'NFTA_PAYLOAD_LEN', 'len', u32be),
  attr(5, 'NFTA_PAYLOAD_SREG', 'sreg', u32be),
  attr(6, 'NFTA_PAYLOAD_CSUM_TYPE', 'csumType', u32be),
  attr(7, 'NFTA_PAYLOAD_CSUM_OFFSET', 'csumOffset', u32be),
  attr(8, 'NFTA_PAYLOAD_CSUM_FLAGS', 'csumFlags', u32be),
]);

/** bitwise: dreg = (sreg & mask) ^ xor over `len` bytes (a prefix mask), or a shift. */
export const bitwiseAttributes = defineTable('NFTA_BITWISE', () => [
  attr(1, 'NFTA_BITWISE_SREG', 'sreg', u32be),
  attr(2, 'NFTA_BITWISE_DREG', 'dreg', u32be),
  attr(3, 'NFTA_BITWISE_LEN', 'len', u32be),
  attr(4, 'NFTA_BITWISE_MASK', 'mask', nested(dataAttributes)),
  attr(5, 'NFTA_BITWISE_XOR', 'xor', nested(dataAttributes)),
  attr(6, 'NFTA_BITWISE_OP', 'op', u32be),
  attr(7, 'NFTA_BITWISE_DATA', 'data', nested(dataAttributes)),
]);

/** cmp: compare a register with a constant (NFT_CMP_EQ, NEQ ...); no match ends the rule. */
export const cmpAttributes = defineTable('NFTA_CMP', () => [
  attr(1, 'NFTA_CMP_SREG', 'sreg', u32be),
  attr(2, 'NFTA_CMP_OP', 'op', u32be),
  attr(3, 'NFTA_CMP_DATA', 'data', nested(dataAttributes)),
]);

/** NFTA_COUNTER_*: packets and bytes that reached a counter expression, and a chain's counters. */
export const counterAttributes = defineTable('NFTA_COUNTER', () => [
  attr(1, 'NFTA_COUNTER_BYTES', 'bytes', u64be),
  attr(2, 'NFTA_COUNTER_PACKETS', 'packets', u64be),
  attr(3, 'NFTA_COUNTER_PAD', 'pad', bytes),
]);

/** masq: source NAT to the address of the outgoing interface. */
export const masqAttributes = defineTable('NFTA_MASQ', () => [
  attr(1, 'NFTA_MASQ_FLAGS', 'flags', u32be),
  attr(2, 'NFTA_MASQ_REG_PROTO_MIN', 'regProtoMin', u32be),
  attr(3, 'NFTA_MASQ_REG_PROTO_MAX', 'regProtoMax', u32be),
]);

/** immediate: load a constant or a verdict (accept, drop, jump) into a register. */
export const immediateAttributes = defineTable('NFTA_IMMEDIATE', () => [
  attr(1, 'NFTA_IMMEDIATE_DREG', 'dreg', u32be),
  attr(2, 'NFTA_IMMEDIATE_DATA', 'data', nested(dataAttributes)),
]);

/** nat: source or destination NAT to the address (and port) range held in registers. */
export const natAttributes = defineTable('NFTA_NAT', () => [
  attr(1, 'NFTA_NAT_TYPE', 'type', u32be),
  attr(2, 'NFTA_NAT_FAMILY', 'family', u32be),
  attr(3, 'NFTA_NAT_REG_ADDR_MIN', 'regAddrMin', u32be),
  attr(4, 'NFTA_NAT_REG_ADDR_MAX', 'regAddrMax', u32be),
  attr(5, 'NFTA_NAT_REG_PROTO_MIN', 'regProtoMin', u32be),
  attr(6, 'NFTA_NAT_REG_PROTO_MAX', 'regProtoMax', u32be),
  attr(7, 'NFTA_NAT_FLAGS', 'flags', u32be),
]);

/** fib: look the packet up in the routing table and load a result (the address type, the oif ...). */
// Declared in the order nft writes them (FLAGS, RESULT, DREG), as meta's table is.
export const fibAttributes = defineTable('NFTA_FIB', () => [
  attr(3, 'NFTA_FIB_FLAGS', 'flags', u32be),
  attr(2, 'NFTA_FIB_RESULT', 'result', u32be),
  attr(1, 'NFTA_FIB_DREG', 'dreg', u32be),
]);

/** ct: load a conntrack field (state, status, mark ...) into a register, or set one. */
// Declared in the order nft writes them (KEY, DIRECTION, DREG).
export const ctAttributes = defineTable('NFTA_CT', () => [
  attr(2, 'NFTA_CT_KEY', 'key', u32be),
  attr(3, 'NFTA_CT_DIRECTION', 'direction', u8),
  attr(1, 'NFTA_CT_DREG', 'dreg', u32be),
  attr(4, 'NFTA_CT_SREG', 'sreg', u32be),
]);

/** Expression data tables by NFTA_EXPR_NAME. Adding an expression: its table and one line here. */
export const EXPRESSION_TABLES = {
  meta: metaAttributes,
  payload: payloadAttributes,
  bitwise: bitwiseAttributes,
  cmp: cmpAttributes,
  counter: counterAttributes,
  masq: masqAttributes,
  immediate: immediateAttributes,
  nat: natAttributes,
  fib: fibAttributes,
  ct: ctAttributes,
} as const;

type Tables = typeof EXPRESSION_TABLES;
/** The expressions this library decodes ('payload', 'cmp', 'meta', 'masq' ...). */
export type ExpressionName = keyof Tables;
/** Expression `N`'s NFTA_EXPR_DATA decoded. */
export type ExpressionData<N extends ExpressionName> = ValuesOf<Tables[N]>;

/** An expression this library has a table for, with its data decoded. */
export type KnownExpression = { [N in ExpressionName]: { name: N; data?: ExpressionData<N>; unknown?: RawAttribute[] } }[ExpressionName];
/** Any other expression (or a known one given as bytes): its NFTA_EXPR_DATA payload, raw. */
export interface RawExpression {
  name?: string;
  data?: Uint8Array;
  unknown?: RawAttribute[];
}
/** One expression of a rule (NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS). */
export type NftExpression = KnownExpression | RawExpression;

/** Narrows an expression to a known name with decoded data. */
export function isExpression<N extends ExpressionName>(e: NftExpression, name: N): e is Extract<KnownExpression, { name: N }> {
  return e.name === name && !(e.data instanceof Uint8Array);
}

const tables = new Map<string, AttrTable<unknown>>(Object.entries(EXPRESSION_TABLES) as Array<[string, AttrTable<unknown>]>);
const paths = new Map<string, string>([...tables.keys()].map((n) => [n, `NFTA_EXPR_DATA(${n})`]));

/** Decodes NFTA_EXPR_DATA after NFTA_EXPR_NAME, with the table of that name (raw bytes without one). */
const dataByName: SiblingAwareCodec<unknown> = {
  label: 'expression data by name',
  shape: 'container',
  nestedFlag: true,
  afterSiblings: true,
  decode(src, start, end, siblings) {
    const name = siblings.name;
    const table = typeof name === 'string' ? tables.get(name) : undefined;
    if (table === undefined) return src.bytes.slice(start, end);
    src.path[src.path.length - 1] = paths.get(name as string)!;
    return decodeAttributes(table, src, start, end);
  },
  encode(w, value, field) {
    bytes.encode(w, value as Uint8Array, field);
  },
};

function exprTable(data: Codec<unknown>) {
  return defineTable('NFTA_EXPR', () => [attr(1, 'NFTA_EXPR_NAME', 'name', cstring), attr(2, 'NFTA_EXPR_DATA', 'data', data)]);
}

const decodeTable = exprTable(dataByName);
// nft sends expression data with NLA_F_NESTED, also when it is empty (counter, masq).
const rawData: Codec<Uint8Array> = { ...bytes, label: 'raw expression data', nestedFlag: true };
const rawTable = exprTable(rawData as Codec<unknown>) as AttrTable<unknown>;
const encodeTables = new Map<string, AttrTable<unknown>>();
for (const [name, table] of tables) encodeTables.set(name, exprTable(nested(table, `nested ${table.space}`) as Codec<unknown>) as AttrTable<unknown>);

/** One NFTA_LIST_ELEM: an expression. */
export const expressionCodec: Codec<NftExpression> = {
  label: 'nested NFTA_EXPR',
  shape: 'container',
  nestedFlag: true,
  decode: (src, start, end) => decodeAttributes(decodeTable, src, start, end) as NftExpression,
  encode(w, value, field) {
    checkRecord(value, field, 'an expression { name, data }');
    const table = value.data instanceof Uint8Array ? rawTable : (encodeTables.get(value.name ?? '') ?? rawTable);
    if (table === rawTable && value.data !== undefined && !(value.data instanceof Uint8Array)) {
      throw new InvalidArgumentError(`${field}.data`, value.data, `cannot be encoded: expression ${showValue(value.name)} has no table here, give its data as a Uint8Array`);
    }
    const known = typeof value.name === 'string' ? tables.get(value.name) : undefined;
    if (value.data instanceof Uint8Array && known) checkRawAttributes(known, value.data, `${field}.data`);
    encodeAttributes(table, w, value, field);
  },
};

const listAttributes = defineTable('NFTA_LIST', () => [repeatedAttr(1, 'NFTA_LIST_ELEM', 'elem', expressionCodec)]);
type ListRecord = ValuesOf<typeof listAttributes>;
const LIST = Symbol('nftables.expressionList');

/**
 * NFTA_RULE_EXPRESSIONS as an array of expressions in rule order. The decoded list remembers its
 * attribute set (non-enumerable), so anything else in it is written back too.
 */
export const expressionList: Codec<NftExpression[]> = {
  label: 'nested NFTA_LIST',
  shape: 'container',
  nestedFlag: true,
  decode(src, start, end) {
    const record = decodeAttributes(listAttributes, src, start, end);
    const list = (record.elem ??= []);
    Object.defineProperty(list, LIST, { value: record, enumerable: false });
    return list;
  },
  encode(w, value, field) {
    checkArray(value, field, 'an array of expressions');
    const record = (value as { [LIST]?: ListRecord })[LIST];
    encodeAttributes(listAttributes, w, record && record.elem === value ? record : { elem: value }, field);
  },
};
