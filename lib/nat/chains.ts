import { NF_INET_LOCAL_OUT, NF_INET_PRE_ROUTING } from '../../messages/nftables/constants.js';
import { NAT_CHAIN } from './masquerade.js';

// The chains of our table, apart from the code that fills them: the package entry exports
// PUBLISH_CHAINS, and its bundle loads publish.ts only when NAT is first used (scripts/bundle-package.mjs).

/** The chains of ours that publish adds beside the masquerade chain: type nat, priority dstnat. */
export const PUBLISH_CHAINS = { prerouting: NF_INET_PRE_ROUTING, output: NF_INET_LOCAL_OUT } as const;
/** A chain of ours: the masquerade chain, or one of the chains publish() adds. */
export type PublishChain = keyof typeof PUBLISH_CHAINS | typeof NAT_CHAIN;

let ourChains_: ReadonlySet<string> | undefined;
/** The chains of our table: masquerade's, and those publish() adds (made on first use). */
export function ourChains(): ReadonlySet<string> {
  return (ourChains_ ??= new Set([NAT_CHAIN, ...Object.keys(PUBLISH_CHAINS)]));
}
