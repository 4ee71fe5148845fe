import { NLM_F_ECHO } from '../../messages/constants.js';
import { deleteRule, deleteTable, type NftMessage } from '../../messages/nftables/index.js';
import { NetlinkError, UnexpectedReplyError } from '../errors.js';
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
import { ERESTART, toNftRule, type NftRule, type Nftables } from './nftables.js';

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

export interface NatOptions {
  /** How often a change is retried when the ruleset changed under it (ERESTART). Default 5. */
  retries?: number;
}

/**
 * Source NAT for containers, through nftables spoken over NETLINK_NETFILTER (no nft binary). The
 * rules live in one table per family owned by this library (`netns_rtnl_nat`), in its chain
 * `postrouting` (type nat hook postrouting priority srcnat); each rule carries a comment describing
 * its parameters, which is how it is found again. Every change is one batch: all of it or nothing.
 * Changes are checked against the generation they were computed from, and recomputed if someone
 * else changed the ruleset in between.
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
    return this.serialized(async () => {
      const tag = tagOf(normalized);
      const operation = `nat masquerade ${tag}`;
      // Always read first, even where no table of ours can exist yet. Sending the table with
      // NLM_F_EXCL, chain and rule blind would save that round trip, but where the table exists
      // (any process but the first to add a rule: every CNI ADD) the kernel aborts the batch, and
      // an nf_tables abort waits for an RCU grace period: 16-26 ms here, against 2-3 ms for this.
      return this.retrying(async () => {
        // The generation is read in the same datagram as, and before, the dump: if anyone changes
        // the ruleset after it, the commit below fails with ERESTART and this runs again.
        const [genid, existing] = await Promise.all([this.nftables.generation(), this.familyRules(normalized.family)]);
        const found = existing.find((r) => tagOf(r) === tag);
        if (found) return found;
        return this.commitRule(masqueradeChanges(normalized), tag, operation, genid);
      });
    });
  }

  /** Commits a batch ending with our rule, which the kernel echoes back as committed, with its handle. */
  private async commitRule(changes: NftMessage[], tag: string, operation: string, genid: number): Promise<NatRule> {
    const last = changes.length - 1;
    changes[last] = { ...changes[last]!, flags: changes[last]!.flags | NLM_F_ECHO };
    const echoed = await this.nftables.commit(changes, { genid, operation });
    for (const message of echoed[last] ?? []) {
      const rule = toNftRule(message);
      const ours = rule && specOfUserdata(rule.family, rule.userdata);
      if (rule && ours && tagOf(ours) === tag) return toNatRule(ours, rule);
    }
    throw new UnexpectedReplyError(operation, 'the kernel did not echo the new rule');
  }

  /** Our rules, with their counters, in chain order (IPv4 first). */
  rules(): Promise<NatRule[]> {
    return this.ourRules();
  }

  /**
   * Removes one rule of ours (given as a NatRule or the spec it was made from), or all of ours
   * without an argument. A table of ours left without rules is deleted in the same batch. Rules
   * that are not ours are never touched. Resolves with the number of rules removed.
   */
  async remove(rule?: MasqueradeSpec | NatRule): Promise<number> {
    const target = rule === undefined ? undefined : normalizeSpec(rule);
    if (target && 'family' in (rule as object) && (rule as NatRule).family !== target.family) {
      throw new InvalidArgumentError('family', (rule as NatRule).family, `does not match source ${target.source}`);
    }
    return this.serialized(() =>
      this.retrying(async () => {
        const genid = await this.nftables.generation();
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
        await this.nftables.commit(changes, { genid, operation: target ? `nat remove ${tagOf(target)}` : 'nat remove all' });
        return removed;
      }),
    );
  }

  close(): void {
    this.nftables.close();
  }

  // One dump per family: with a table filter the kernel stops at the first table of that name
  // (nf_tables_dump_rules), so a dump of every family would miss the ip6 table.
  private async ourRules(): Promise<NatRule[]> {
    const out: NatRule[] = [];
    for (const family of FAMILIES) out.push(...(await this.familyRules(family)));
    return out;
  }

  private async familyRules(family: NatFamily): Promise<NatRule[]> {
    const out: NatRule[] = [];
    for (const r of await this.nftables.rules({ family: nfproto(family), table: NAT_TABLE, chain: NAT_CHAIN })) {
      const spec = specOfUserdata(r.family, r.userdata);
      if (spec) out.push(toNatRule(spec, r));
    }
    return out;
  }

  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 5;
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof NetlinkError && error.errno === ERESTART) || i >= retries) throw error;
      }
    }
  }

  /** One change at a time from this object (the generation check catches everyone else). */
  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

const FAMILIES = ['ip', 'ip6'] as const;

function toNatRule(spec: NormalizedSpec, rule: NftRule): NatRule {
  return { ...spec, handle: rule.handle, ...countersOf(rule.expressions) };
}
