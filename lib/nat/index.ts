export { Nat, type NatOptions, type NatRule, type NatRuleSelector } from './nat.js';
export { changeRuleset, type ContentionOptions, type Planned } from './ruleset-change.js';
export { NAT_CHAIN, NAT_TABLE, NAT_TAG, type MasqueradeSpec, type NatFamily } from './masquerade.js';
export { PUBLISH_CHAINS, type PublishChain } from './chains.js';
export type { PublishProtocol, PublishSpec } from './publish.js';
export type { PublishedPort, PublishSelector } from './published.js';
export {
  NFNETLINK_CODEC,
  Nftables,
  type CommitOptions,
  type NftablesOpenOptions,
  type NftChain,
  type NftRule,
  type NftTable,
} from './nftables.js';
