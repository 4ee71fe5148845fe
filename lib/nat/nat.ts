import { NLM_F_ECHO } from '../../messages/constants.js';
import { deleteRule, deleteTable, type NftMessage } from '../../messages/nftables/index.js';
import { UnexpectedReplyError } from '../errors.js';
import { InvalidArgumentError } from '../validate.js';
import {
  countersOf,
  masqueradeChanges,
  NAT_CHAIN,
  NAT_TABLE,
  nfproto,
  normalizeSpec,
  specOfUserdata,
  tagOf,
  type MasqueradeSpec,
  type NatFamily,
  type NormalizedSpec,
} from './masquerade.js';
import { toNftRule, type NftRule, type Nftables } from './nftables.js';
import { changeRuleset, type ContentionOptions, type Planned } from './ruleset-change.js';

/** A masquerade rule of ours, as the kernel has it now. */
export interface NatRule {
  /** 'ip' for IPv4 (table ip netns_rtnl_nat), 'ip6' for IPv6. */
  family: NatFamily;
  /** The source prefix, normalized (host bits cleared, canonical text). */
  source: string;
  exceptDestination?: string;
  exceptOutInterface?: string;
  /** The owner given to masquerade(), if any. */
  owner?: string;
  /** The rule's handle in its chain. */
  handle: bigint;
  /** Its counter: packets and bytes masqueraded (counted on the first packet of each connection). */
  packets: bigint;
  bytes: bigint;
}

export interface NatOptions extends ContentionOptions {}

/**
 * Source NAT for containers, through nftables spoken over NETLINK_NETFILTER (no nft binary). The
 * rules live in one table per family owned by this library (`netns_rtnl_nat`), in its chain
 * `postrouting` (type nat hook postrouting priority srcnat); each rule carries a comment describing
 * its parameters, which is how it is found again. Every change is one batch: all of it or nothing.
 * Changes are checked against the generation they were computed from, and recomputed if someone
 * else changed the ruleset in between (see changeRuleset), so concurrent writers all succeed.
 */
export class Nat {
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly nftables: Nftables,
    private readonly options: NatOptions = {},
  ) {}

  /**
   * Masquerades traffic from `source` (unless it goes to `exceptDestination` or out through
   * `exceptOutInterface`). Idempotent: an identical rule of ours is returned as it is.
   */
  async masquerade(spec: MasqueradeSpec): Promise<NatRule> {
    const normalized = normalizeSpec(spec);
    const tag = tagOf(normalized);
    const operation = `nat masquerade ${tag}`;
    // Always read first, even where no table of ours can exist yet. Sending the table with
    // NLM_F_EXCL, chain and rule blind would save that round trip, but where the table exists
    // (any process but the first to add a rule: every CNI ADD) the kernel aborts the batch, and
    // an nf_tables abort waits for an RCU grace period, several times the cost of the read.
    return this.change<NatRule>(operation, async () => {
      const found = (await this.familyRules(normalized.family)).find((r) => tagOf(r) === tag);
      if (found) return { done: found };
      const changes = masqueradeChanges(normalized);
      const last = changes.length - 1;
      changes[last] = { ...changes[last]!, flags: changes[last]!.flags | NLM_F_ECHO };
      return { changes, result: (echoed) => echoedRule(echoed[last] ?? [], tag, operation) };
    });
  }

  /** Our rules, with their counters, in chain order (IPv4 first). */
  async rules(): Promise<NatRule[]> {
    const out: NatRule[] = [];
    for (const family of FAMILIES) out.push(...(await this.familyRules(family)));
    return out;
  }

  /**
   * Removes one rule of ours (given as a NatRule or the spec it was made from), or all of ours
   * without an argument. A table of ours left without rules is deleted in the same batch. Rules
   * that are not ours are never touched. Resolves with the number of rules removed by this call
   * (0 when another writer removed them first).
   */
  async remove(rule?: MasqueradeSpec | NatRule): Promise<number> {
    const target = rule === undefined ? undefined : normalizeSpec(rule);
    if (target && 'family' in (rule as object) && (rule as NatRule).family !== target.family) {
      throw new InvalidArgumentError('family', (rule as NatRule).family, `does not match source ${target.source}`);
    }
    return this.change<number>(target ? `nat remove ${tagOf(target)}` : 'nat remove all', async () => {
      const changes: NftMessage[] = [];
      let removed = 0;
      for (const family of FAMILIES) {
        const inTable = await this.nftables.rules({ family: nfproto(family), table: NAT_TABLE });
        const doomed = inTable.filter((r) => {
          const spec = r.chain === NAT_CHAIN ? specOfUserdata(r.family, r.userdata) : undefined;
          return spec !== undefined && (target === undefined || (spec.family === target.family && tagOf(spec) === tagOf(target)));
        });
        if (doomed.length === 0) continue;
        removed += doomed.length;
        const chains = await this.nftables.chains({ family: nfproto(family), table: NAT_TABLE });
        const othersLeft = inTable.length > doomed.length || chains.some((c) => c.name !== NAT_CHAIN);
        if (othersLeft) {
          for (const r of doomed) changes.push(deleteRule({ family: r.family, table: NAT_TABLE, chain: r.chain, handle: r.handle }));
        } else {
          changes.push(deleteTable({ family: nfproto(family), name: NAT_TABLE }));
        }
      }
      return changes.length === 0 ? { done: 0 } : { changes, result: () => removed };
    });
  }

  close(): void {
    this.nftables.close();
  }

  // One dump per family: with a table filter the kernel stops at the first table of that name
  // (nf_tables_dump_rules), so a dump of every family would miss the ip6 table.
  private async familyRules(family: NatFamily): Promise<NatRule[]> {
    const out: NatRule[] = [];
    for (const r of await this.nftables.rules({ family: nfproto(family), table: NAT_TABLE, chain: NAT_CHAIN })) {
      const spec = specOfUserdata(r.family, r.userdata);
      if (spec) out.push(toNatRule(spec, r));
    }
    return out;
  }

  /**
   * The one way this class changes the ruleset: one change at a time from this object (a queue,
   * so its own calls do not conflict with each other), each through changeRuleset, which retries
   * against everyone else.
   */
  private change<T>(operation: string, plan: () => Promise<Planned<T>>): Promise<T> {
    const run = () => changeRuleset(this.nftables, operation, plan, this.options);
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Our rule among what the kernel echoed for a NEWRULE sent with NLM_F_ECHO: the rule as committed, with its handle. */
function echoedRule(echoed: readonly NftMessage[], tag: string, operation: string): NatRule {
  for (const message of echoed) {
    const rule = toNftRule(message);
    const ours = rule && specOfUserdata(rule.family, rule.userdata);
    if (rule && ours && tagOf(ours) === tag) return toNatRule(ours, rule);
  }
  throw new UnexpectedReplyError(operation, 'the kernel did not echo the new rule');
}

const FAMILIES = ['ip', 'ip6'] as const;

function toNatRule(spec: NormalizedSpec, rule: NftRule): NatRule {
  return { ...spec, handle: rule.handle, ...countersOf(rule.expressions) };
}
