/**
 * nf_tables over NETLINK_NETFILTER: nfnetlink framing (nfgenmsg, batches), tables, chains, rules
 * and the expressions of a masquerade rule, with the same attribute tables and walker as the
 * rtnetlink codecs. A separate decoder from decodeMessages: nfnetlink types overlap rtnetlink's.
 */
export * from './constants.js';
export { s32be, u64be } from './codecs.js';
export {
  decodeNftMessages,
  encodeNftMessage,
  encodeNftMessages,
  nfgenmsg,
  nftKindOfType,
  writeNftMessage,
  type NfgenBody,
  type NfgenHeader,
  type NfnlMessage,
  type NftBatchMessage,
  type NftChainMessage,
  type NftGenMessage,
  type NftMessage,
  type NftMessageKind,
  type NftRuleMessage,
  type NftTableMessage,
} from './message.js';
export {
  batchAttributes,
  chainAttributes,
  counterAttributes,
  genAttributes,
  hookAttributes,
  ruleAttributes,
  tableAttributes,
  type BatchAttrs,
  type ChainAttrs,
  type CounterAttrs,
  type GenAttrs,
  type HookAttrs,
  type RuleAttrs,
  type TableAttrs,
} from './objects.js';
export {
  EXPRESSION_TABLES,
  dataAttributes,
  expressionCodec,
  expressionList,
  isExpression,
  verdictAttributes,
  type DataAttrs,
  type ExpressionData,
  type ExpressionName,
  type KnownExpression,
  type NftExpression,
  type RawExpression,
  type VerdictAttrs,
} from './expressions.js';
export * from './requests.js';
export * from './userdata.js';
