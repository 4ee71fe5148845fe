// Builders for nf_tables requests. Each returns a plain NftMessage with seq and pid 0 (the
// connection numbers them) and the flags nft itself uses: NEWTABLE plain, NEWCHAIN with
// NLM_F_CREATE, NEWRULE with NLM_F_CREATE | NLM_F_APPEND. Changes go in a batch:
// batchBegin(), the changes, batchEnd(), sent as one datagram.

import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REQUEST } from '../constants.js';
import { checkArray, checkU8, encodeText } from '../checks.js';
import { InvalidArgumentError } from '../errors.js';
import {
  NFNETLINK_V0,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFNL_SUBSYS_NFTABLES,
  NFPROTO_UNSPEC,
  NFT_MSG_DELRULE,
  NFT_MSG_DELTABLE,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETGEN,
  NFT_MSG_GETRULE,
  NFT_MSG_GETTABLE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWTABLE,
  nftType,
} from './constants.js';
import type { NftExpression } from './expressions.js';
import type { NftBatchMessage, NftChainMessage, NftGenMessage, NftRuleMessage, NftTableMessage } from './message.js';
import type { ChainAttrs, RuleAttrs, TableAttrs } from './objects.js';

const checkFamily = checkU8; // an NFPROTO_* number

function checkName(name: unknown, field: string): string {
  if (name === '') throw new InvalidArgumentError(field, name, 'is empty: give a table, chain or set name');
  encodeText(name, field, 255, 'a name'); // NFT_NAME_MAXLEN 256 with the NUL
  return name as string;
}

const header = (family: number) => ({ family, version: NFNETLINK_V0, resourceId: 0 });

/** NFNL_MSG_BATCH_BEGIN; with `genid`, the kernel refuses the batch (ERESTART) if the ruleset changed since. */
export function batchBegin(options: { genid?: number } = {}): NftBatchMessage {
  const attrs: NftBatchMessage['body']['attrs'] = {};
  if (options.genid !== undefined) attrs.genid = options.genid;
  return {
    kind: 'batch', type: NFNL_MSG_BATCH_BEGIN, flags: NLM_F_REQUEST, seq: 0, pid: 0,
    body: { family: NFPROTO_UNSPEC, version: NFNETLINK_V0, resourceId: NFNL_SUBSYS_NFTABLES, attrs },
  };
}

/** NFNL_MSG_BATCH_END: closes a batch begun by batchBegin(); the kernel applies it all, or none of it. */
export function batchEnd(): NftBatchMessage {
  return {
    kind: 'batch', type: NFNL_MSG_BATCH_END, flags: NLM_F_REQUEST, seq: 0, pid: 0,
    body: { family: NFPROTO_UNSPEC, version: NFNETLINK_V0, resourceId: NFNL_SUBSYS_NFTABLES, attrs: {} },
  };
}

/** NFT_MSG_GETGEN: the kernel answers one NFT_MSG_NEWGEN with the ruleset generation. */
export function getGeneration(): NftGenMessage {
  return { kind: 'gen', type: nftType(NFT_MSG_GETGEN), flags: NLM_F_REQUEST, seq: 0, pid: 0, body: { ...header(NFPROTO_UNSPEC), attrs: {} } };
}

/** NFT_MSG_GETTABLE dump: every table of `family` (NFPROTO_UNSPEC: all). */
export function dumpTables(options: { family?: number } = {}): NftTableMessage {
  const family = checkFamily(options.family ?? NFPROTO_UNSPEC, 'dumpTables.family');
  return { kind: 'table', type: nftType(NFT_MSG_GETTABLE), flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0, body: { ...header(family), attrs: {} } };
}

/** NFT_MSG_GETCHAIN dump, optionally only the chains of one table. */
export function dumpChains(options: { family?: number; table?: string } = {}): NftChainMessage {
  const family = checkFamily(options.family ?? NFPROTO_UNSPEC, 'dumpChains.family');
  const attrs: ChainAttrs = {};
  if (options.table !== undefined) attrs.table = checkName(options.table, 'dumpChains.table');
  return { kind: 'chain', type: nftType(NFT_MSG_GETCHAIN), flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0, body: { ...header(family), attrs } };
}

/** NFT_MSG_GETRULE dump, optionally only the rules of one table (and chain). */
export function dumpRules(options: { family?: number; table?: string; chain?: string } = {}): NftRuleMessage {
  const family = checkFamily(options.family ?? NFPROTO_UNSPEC, 'dumpRules.family');
  const attrs: RuleAttrs = {};
  if (options.table !== undefined) attrs.table = checkName(options.table, 'dumpRules.table');
  if (options.chain !== undefined) {
    if (options.table === undefined) throw new InvalidArgumentError('dumpRules.chain', options.chain, 'needs the table too (a chain filter is within a table)');
    attrs.chain = checkName(options.chain, 'dumpRules.chain');
  }
  return { kind: 'rule', type: nftType(NFT_MSG_GETRULE), flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0, body: { ...header(family), attrs } };
}

/** newTable's options (NFTA_TABLE_*). */
export interface NewTableOptions {
  family: number;
  name: string;
  flags?: number;
  userdata?: Uint8Array;
}

/** NFT_MSG_NEWTABLE: creates the table, or leaves an existing one as it is (no NLM_F_EXCL). */
export function newTable(options: NewTableOptions): NftTableMessage {
  const attrs: TableAttrs = { name: checkName(options.name, 'newTable.name'), flags: options.flags ?? 0 };
  if (options.userdata) attrs.userdata = options.userdata;
  return { kind: 'table', type: nftType(NFT_MSG_NEWTABLE), flags: NLM_F_REQUEST, seq: 0, pid: 0, body: { ...header(checkFamily(options.family, 'newTable.family')), attrs } };
}

/** NFT_MSG_DELTABLE: deletes a table with everything in it. */
export function deleteTable(options: { family: number; name: string }): NftTableMessage {
  return {
    kind: 'table', type: nftType(NFT_MSG_DELTABLE), flags: NLM_F_REQUEST, seq: 0, pid: 0,
    body: { ...header(checkFamily(options.family, 'deleteTable.family')), attrs: { name: checkName(options.name, 'deleteTable.name') } },
  };
}

/** newChain's options (NFTA_CHAIN_*): a base chain has a hook, a type and a policy. */
export interface NewChainOptions {
  family: number;
  table: string;
  name: string;
  /** A base chain: the netfilter hook (NF_INET_*) and its priority. */
  hook?: { hooknum: number; priority: number };
  /** Base chain type: 'filter', 'nat' or 'route'. */
  type?: string;
  /** Base chain policy: NF_ACCEPT (default) or NF_DROP. */
  policy?: number;
}

/** NFT_MSG_NEWCHAIN with NLM_F_CREATE, encoded as nft encodes it. */
export function newChain(options: NewChainOptions): NftChainMessage {
  const attrs: ChainAttrs = { table: checkName(options.table, 'newChain.table'), name: checkName(options.name, 'newChain.name') };
  if (options.type !== undefined) attrs.type = options.type;
  if (options.hook !== undefined) attrs.hook = { hooknum: options.hook.hooknum, priority: options.hook.priority };
  if (options.policy !== undefined) attrs.policy = options.policy;
  return {
    kind: 'chain', type: nftType(NFT_MSG_NEWCHAIN), flags: NLM_F_REQUEST | NLM_F_CREATE, seq: 0, pid: 0,
    body: { ...header(checkFamily(options.family, 'newChain.family')), attrs },
  };
}

/** newRule's options (NFTA_RULE_*). */
export interface NewRuleOptions {
  family: number;
  table: string;
  chain: string;
  expressions: NftExpression[];
  userdata?: Uint8Array;
}

/** NFT_MSG_NEWRULE with NLM_F_CREATE | NLM_F_APPEND: the rule goes to the end of the chain. */
export function newRule(options: NewRuleOptions): NftRuleMessage {
  checkArray(options.expressions, 'newRule.expressions', 'an array of expressions');
  const attrs: RuleAttrs = {
    table: checkName(options.table, 'newRule.table'),
    chain: checkName(options.chain, 'newRule.chain'),
    expressions: options.expressions,
  };
  if (options.userdata) attrs.userdata = options.userdata;
  return {
    kind: 'rule', type: nftType(NFT_MSG_NEWRULE), flags: NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND, seq: 0, pid: 0,
    body: { ...header(checkFamily(options.family, 'newRule.family')), attrs },
  };
}

/** NFT_MSG_DELRULE of one rule, by handle. */
export function deleteRule(options: { family: number; table: string; chain: string; handle: bigint }): NftRuleMessage {
  if (typeof options.handle !== 'bigint') throw new InvalidArgumentError('deleteRule.handle', options.handle, 'is not a rule handle (a bigint)');
  return {
    kind: 'rule', type: nftType(NFT_MSG_DELRULE), flags: NLM_F_REQUEST, seq: 0, pid: 0,
    body: {
      ...header(checkFamily(options.family, 'deleteRule.family')),
      attrs: { table: checkName(options.table, 'deleteRule.table'), chain: checkName(options.chain, 'deleteRule.chain'), handle: options.handle },
    },
  };
}
