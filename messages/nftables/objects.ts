import { bytes, cstring, u32be } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { nested } from '../attributes/walk.js';
import { s32be, u64be } from './codecs.js';
import { counterAttributes, expressionList } from './expressions.js';

// Attribute spaces of nf_tables objects (<linux/netfilter/nf_tables.h>). Integers are big-endian.
// NFTA_*_PAD attributes only align 64-bit values; they are kept as bytes.

/** NFTA_TABLE_*: NFT_MSG_NEWTABLE / GETTABLE / DELTABLE. */
export const tableAttributes = defineTable('NFTA_TABLE', () => [
  attr(1, 'NFTA_TABLE_NAME', 'name', cstring),
  attr(2, 'NFTA_TABLE_FLAGS', 'flags', u32be),
  attr(3, 'NFTA_TABLE_USE', 'use', u32be),
  attr(4, 'NFTA_TABLE_HANDLE', 'handle', u64be),
  attr(5, 'NFTA_TABLE_PAD', 'pad', bytes),
  attr(6, 'NFTA_TABLE_USERDATA', 'userdata', bytes),
  attr(7, 'NFTA_TABLE_OWNER', 'owner', u32be),
]);
/** The decoded NFTA_TABLE_* attributes: one field per attribute of the table, named as the table names it. */
export type TableAttrs = ValuesOf<typeof tableAttributes>;

/** NFTA_HOOK_*: a base chain's hook. */
export const hookAttributes = defineTable('NFTA_HOOK', () => [
  attr(1, 'NFTA_HOOK_HOOKNUM', 'hooknum', u32be),
  attr(2, 'NFTA_HOOK_PRIORITY', 'priority', s32be),
  attr(3, 'NFTA_HOOK_DEV', 'dev', cstring),
  attr(4, 'NFTA_HOOK_DEVS', 'devs', bytes),
]);
/** The decoded NFTA_HOOK_* attributes: one field per attribute of the table, named as the table names it. */
export type HookAttrs = ValuesOf<typeof hookAttributes>;

export { counterAttributes };
/** The decoded NFTA_COUNTER_* attributes: one field per attribute of the table, named as the table names it. */
export type CounterAttrs = ValuesOf<typeof counterAttributes>;

/**
 * NFTA_CHAIN_*: NFT_MSG_NEWCHAIN / GETCHAIN / DELCHAIN. Declared in the order nft writes a new
 * chain (TABLE, NAME, TYPE, POLICY, HOOK), which is the order objects built here encode in.
 */
export const chainAttributes = defineTable('NFTA_CHAIN', () => [
  attr(1, 'NFTA_CHAIN_TABLE', 'table', cstring),
  attr(2, 'NFTA_CHAIN_HANDLE', 'handle', u64be),
  attr(3, 'NFTA_CHAIN_NAME', 'name', cstring),
  attr(7, 'NFTA_CHAIN_TYPE', 'type', cstring),
  attr(5, 'NFTA_CHAIN_POLICY', 'policy', u32be),
  attr(4, 'NFTA_CHAIN_HOOK', 'hook', nested(hookAttributes)),
  attr(6, 'NFTA_CHAIN_USE', 'use', u32be),
  attr(8, 'NFTA_CHAIN_COUNTERS', 'counters', nested(counterAttributes)),
  attr(9, 'NFTA_CHAIN_PAD', 'pad', bytes),
  attr(10, 'NFTA_CHAIN_FLAGS', 'flags', u32be),
  attr(11, 'NFTA_CHAIN_ID', 'id', u32be),
  attr(12, 'NFTA_CHAIN_USERDATA', 'userdata', bytes),
]);
/** The decoded NFTA_CHAIN_* attributes: one field per attribute of the table, named as the table names it. */
export type ChainAttrs = ValuesOf<typeof chainAttributes>;

/** NFTA_RULE_*: NFT_MSG_NEWRULE / GETRULE / DELRULE. */
export const ruleAttributes = defineTable('NFTA_RULE', () => [
  attr(1, 'NFTA_RULE_TABLE', 'table', cstring),
  attr(2, 'NFTA_RULE_CHAIN', 'chain', cstring),
  attr(3, 'NFTA_RULE_HANDLE', 'handle', u64be),
  attr(4, 'NFTA_RULE_EXPRESSIONS', 'expressions', expressionList),
  attr(5, 'NFTA_RULE_COMPAT', 'compat', bytes),
  attr(6, 'NFTA_RULE_POSITION', 'position', u64be),
  attr(7, 'NFTA_RULE_USERDATA', 'userdata', bytes),
  attr(8, 'NFTA_RULE_PAD', 'pad', bytes),
  attr(9, 'NFTA_RULE_ID', 'id', u32be),
  attr(10, 'NFTA_RULE_POSITION_ID', 'positionId', u32be),
  attr(11, 'NFTA_RULE_CHAIN_ID', 'chainId', u32be),
]);
/** The decoded NFTA_RULE_* attributes: one field per attribute of the table, named as the table names it. */
export type RuleAttrs = ValuesOf<typeof ruleAttributes>;

/** NFTA_GEN_*: NFT_MSG_NEWGEN, the ruleset generation (answer to GETGEN, and a notification). */
export const genAttributes = defineTable('NFTA_GEN', () => [
  attr(1, 'NFTA_GEN_ID', 'id', u32be),
  attr(2, 'NFTA_GEN_PROC_PID', 'procPid', u32be),
  attr(3, 'NFTA_GEN_PROC_NAME', 'procName', cstring),
]);
/** The decoded NFTA_GEN_* attributes: one field per attribute of the table, named as the table names it. */
export type GenAttrs = ValuesOf<typeof genAttributes>;

/**
 * NFNL_BATCH_*: attributes of NFNL_MSG_BATCH_BEGIN. With NFNL_BATCH_GENID the kernel refuses the
 * whole batch (ERESTART) unless the ruleset is still at that generation.
 */
export const batchAttributes = defineTable('NFNL_BATCH', () => [attr(1, 'NFNL_BATCH_GENID', 'genid', u32be)]);
/** The decoded NFNL_BATCH_* attributes: one field per attribute of the table, named as the table names it. */
export type BatchAttrs = ValuesOf<typeof batchAttributes>;

/** Messages of other nfnetlink objects (sets, objects, flowtables...): every attribute kept raw. */
export const rawAttributes = defineTable('NFTA', () => []);
export type RawAttrs = ValuesOf<typeof rawAttributes>;
