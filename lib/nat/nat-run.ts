import { NLM_F_ECHO } from '../../messages/constants.js';
import { deleteRule, deleteTable, type NftMessage } from '../../messages/nftables/index.js';
import { UnexpectedReplyError } from '../errors.js';
import { msSince, SILENT_LOGGER, type Logger } from '../log.js';
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
import type { NatOptions, NatRule, NatRuleSelector } from './nat.js';
import { toNftRule, type NftRule, type Nftables } from './nftables.js';
import { changeRuleset, type Planned } from './ruleset-change.js';
import { ourChains } from './chains.js';
import { normalizePublish, publishChanges, publishTag, type PublishSpec } from './publish.js';
import { planPublish, publishAcceptor, publishedOf, readPublished, unpublishChanges, type OurPort, type PublishedPort, type PublishSelector } from './published.js';
import { monotonicMs } from '../clock.js';

// What lib/nat/nat.ts's Nat does, behind it: loaded by the package's core with NAT's rule building
// on the first NAT call (scripts/bundle-package.mjs). Nat, a class the package exports, stays in the core.

/** A rule of ours as read, with the kernel's 64-bit handle that deletes it. */
interface Ours {
  nat: NatRule;
  handle: bigint;
}

/** Nat's methods on one nftables socket (the class and every rule of the concurrency it follows: lib/nat/nat.ts). */
export type NatRun = Pick<NatCalls, 'masquerade' | 'rules' | 'remove' | 'publish' | 'published' | 'unpublish'>;

/** The methods of a Nat on `nftables`. */
export function natRun(nftables: Nftables, options: NatOptions): NatRun {
  return new NatCalls(nftables, options);
}

class NatCalls {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #log: Logger;

  constructor(
    readonly nftables: Nftables,
    private readonly options: NatOptions,
  ) {
    this.#log = options.logger ?? SILENT_LOGGER;
  }

  /**
   * Masquerades traffic from `source` (unless it goes to `exceptDestination` or out through
   * `exceptOutInterface`). Idempotent: an identical rule of ours is returned as it is.
   */
  async masquerade(spec: MasqueradeSpec): Promise<NatRule> {
    const normalized = normalizeSpec(spec);
    const tag = tagOf(normalized);
    const operation = `nat masquerade ${tag}`;
    const start = monotonicMs();
    return this.serialized(async () => {
      // Read first: an identical rule is the answer, and a batch that makes nothing would still
      // move the generation under every other writer.
      const { rule, added } = await this.change<{ rule: Ours; added: boolean }>(operation, async () => {
        const found = (await this.familyRules(normalized.family)).find((r) => tagOf(r.nat) === tag);
        if (found) return { done: { rule: found, added: false } };
        const changes = masqueradeChanges(normalized);
        const last = changes.length - 1;
        changes[last] = { ...changes[last]!, flags: changes[last]!.flags | NLM_F_ECHO };
        return { changes, checkGeneration: false, result: (echoed) => ({ rule: echoedRule(echoed[last] ?? [], tag, operation), added: true }) };
      });
      const nat = added ? await this.keepOne(rule, operation) : rule.nat;
      this.#log.info({ op: 'nat.masquerade', rule: tag, added, ms: msSince(start) }, added ? 'masquerade set up' : 'masquerade already set up');
      return nat;
    });
  }

  /** Our rules, with their counters, in chain order (IPv4 first). */
  async rules(): Promise<NatRule[]> {
    const out: NatRule[] = [];
    for (const family of FAMILIES) for (const r of await this.familyRules(family)) out.push(r.nat);
    return out;
  }

  /**
   * Removes rules of ours: one (given as a NatRule or the spec it was made from), those a test
   * accepts, or all of them without an argument. A table of ours left without rules is deleted.
   * Rules that are not ours are never touched. Resolves with the number of rules removed by this
   * call (0 when another writer removed them first).
   */
  async remove(selector?: NatRuleSelector): Promise<number> {
    const accepts = acceptor(selector);
    const operation = selector === undefined ? 'nat remove all' : typeof selector === 'function' ? 'nat remove (selected)' : `nat remove ${tagOf(normalizeSpec(selector))}`;
    const start = monotonicMs();
    return this.serialized(async () => {
      const { removed, tablesLeft } = await this.change<{ removed: number; tablesLeft: boolean }>(operation, async () => {
        const changes: NftMessage[] = [];
        let removed = 0;
        let tablesLeft = false;
        for (const family of FAMILIES) {
          const table = await this.readTable(family);
          const doomed = table.ours.filter((r) => accepts(r.nat));
          if (doomed.length === 0) continue;
          removed += doomed.length;
          if (table.rules.length === doomed.length && table.onlyOurChain) {
            changes.push(deleteTable({ family: nfproto(family), name: NAT_TABLE }));
          } else {
            tablesLeft = true;
            for (const r of doomed) changes.push(deleteRule({ family: nfproto(family), table: NAT_TABLE, chain: NAT_CHAIN, handle: r.handle }));
          }
        }
        if (changes.length === 0) return { done: { removed: 0, tablesLeft: false } };
        // Deleting rules by handle is right whatever others did (ENOENT: someone deleted them
        // first, so read again); deleting a table is right only if nobody added to it meanwhile.
        const tableDeleted = changes.some((m) => m.kind === 'table');
        return { changes, checkGeneration: tableDeleted, racing: ['ENOENT'], result: () => ({ removed, tablesLeft }) };
      });
      // Rules deleted, table kept for others: those others may have left meanwhile, and then the
      // last one out is whoever reads the table empty after its own deletion.
      if (tablesLeft) await this.deleteEmptyTables(operation);
      this.#log.info({ op: 'nat.remove', removed, ms: msSince(start) }, 'masquerade torn down');
      return removed;
    });
  }

  /**
   * Publishes a port of this namespace (`docker run -p 8080:80`): connections to `port` on any of
   * its addresses (or `hostAddress`) go to `to`, whether they come from other hosts (prerouting) or
   * from the namespace itself (output); connections from the containers of the target's own subnet
   * are masqueraded so their replies come back through it (hairpin). One batch. Idempotent: the
   * same port published to the same place is returned as it is; the port published by a rule of
   * ours to anywhere else is refused (InvalidArgumentError 'port') before any change is sent.
   */
  async publish(spec: PublishSpec): Promise<PublishedPort> {
    let wanted = normalizePublish(spec);
    if (wanted.hairpinSource === undefined && spec.hairpin !== false && this.options.localPrefixOf) {
      const prefix = await this.options.localPrefixOf(wanted.toAddress);
      if (prefix !== undefined) wanted = normalizePublish({ ...spec, hairpinSource: prefix });
    }
    const operation = `nat publish ${publishTag(wanted)}`;
    const start = monotonicMs();
    const published = await this.serialized(() =>
      // Checked against the generation: two writers publishing one port to two places must not both win.
      this.change<PublishedPort>(operation, async () => {
        const plan = planPublish(wanted, await readPublished(this.nftables, wanted.family));
        if ('done' in plan) return { done: plan.done };
        const changes = publishChanges(wanted).map((m) => (m.kind === 'rule' ? { ...m, flags: m.flags | NLM_F_ECHO } : m));
        return {
          changes,
          result: (echoed) => {
            const rules = echoed.flat().flatMap((m) => toNftRule(m) ?? []);
            const [ours] = publishedOf(rules);
            if (!ours) throw new UnexpectedReplyError(operation, 'the kernel did not echo the new rules');
            return ours.port;
          },
        };
      }),
    );
    this.#log.info({ op: 'nat.publish', port: publishTag(wanted), ms: msSince(start) }, 'port published');
    return published;
  }

  /** Our published ports, with their counters (IPv4 first). */
  async published(): Promise<PublishedPort[]> {
    const out: PublishedPort[] = [];
    for (const family of FAMILIES) for (const ours of await readPublished(this.nftables, family)) out.push(ours.port);
    return out;
  }

  /**
   * Removes published ports of ours: one (a PublishedPort, or the spec it was made from), those a
   * test accepts, or all. One batch; a table of ours left empty is deleted. Resolves with the number
   * of ports removed by this call.
   */
  async unpublish(selector?: PublishSelector): Promise<number> {
    const accepts = publishAcceptor(selector);
    const start = monotonicMs();
    return this.serialized(async () => {
      const removed = await this.change<number>('nat unpublish', async () => {
        const doomed: OurPort[] = [];
        for (const family of FAMILIES) doomed.push(...(await readPublished(this.nftables, family)).filter((p) => accepts(p.port)));
        if (doomed.length === 0) return { done: 0 };
        return { changes: unpublishChanges(doomed), checkGeneration: false, racing: ['ENOENT'], result: () => doomed.length };
      });
      if (removed > 0) await this.deleteEmptyTables('nat unpublish');
      this.#log.info({ op: 'nat.unpublish', removed, ms: msSince(start) }, 'ports unpublished');
      return removed;
    });
  }

  // One dump per family: with a table filter the kernel stops at the first table of that name
  // (nf_tables_dump_rules), so a dump of every family would miss the ip6 table.
  private async familyRules(family: NatFamily): Promise<Ours[]> {
    const out: Ours[] = [];
    for (const r of await this.nftables.rules({ family: nfproto(family), table: NAT_TABLE, chain: NAT_CHAIN })) {
      const spec = specOfUserdata(r.family, r.userdata);
      if (spec) out.push(toNatRule(spec, r));
    }
    return out;
  }

  /** Our table in one family: every rule in it, our masquerade rules among them, and whether it holds any chain but ours. */
  private async readTable(family: NatFamily): Promise<{ exists: boolean; rules: NftRule[]; ours: Ours[]; onlyOurChain: boolean }> {
    const rules = await this.nftables.rules({ family: nfproto(family), table: NAT_TABLE });
    const chains = await this.nftables.chains({ family: nfproto(family), table: NAT_TABLE });
    const ours: Ours[] = [];
    for (const r of rules) {
      const spec = r.chain === NAT_CHAIN ? specOfUserdata(r.family, r.userdata) : undefined;
      if (spec) ours.push(toNatRule(spec, r));
    }
    return { exists: chains.length > 0 || rules.length > 0, rules, ours, onlyOurChain: chains.every((c) => ourChains().has(c.name)) };
  }

  /** Deletes each table of ours that holds no rule and no chain but ours, if nobody adds to it meanwhile. */
  private deleteEmptyTables(operation: string): Promise<void> {
    return this.change<void>(`${operation} (empty table)`, async () => {
      const changes: NftMessage[] = [];
      for (const family of FAMILIES) {
        const table = await this.readTable(family);
        if (table.exists && table.rules.length === 0 && table.onlyOurChain) changes.push(deleteTable({ family: nfproto(family), name: NAT_TABLE }));
      }
      return changes.length === 0 ? { done: undefined } : { changes, racing: ['ENOENT'], result: () => undefined };
    });
  }

  /**
   * After adding `rule`: the same rule added at the same moment by another writer (both read
   * before either committed) is deleted again, and every writer keeps the one with the lowest handle.
   */
  private keepOne(rule: Ours, operation: string): Promise<NatRule> {
    const tag = tagOf(rule.nat);
    return this.change<NatRule>(`${operation} (duplicates)`, async () => {
      const same = (await this.familyRules(rule.nat.family)).filter((r) => tagOf(r.nat) === tag).sort((a, b) => (a.handle < b.handle ? -1 : 1));
      if (same.length <= 1) return { done: (same[0] ?? rule).nat };
      const extra = same.slice(1).map((r) => deleteRule({ family: nfproto(r.nat.family), table: NAT_TABLE, chain: NAT_CHAIN, handle: r.handle }));
      return { changes: extra, checkGeneration: false, racing: ['ENOENT'], result: () => same[0]!.nat };
    });
  }

  private change<T>(operation: string, plan: () => Promise<Planned<T>>): Promise<T> {
    return changeRuleset(this.nftables, operation, plan, this.options);
  }

  /** One change at a time from this object: its own calls never race each other. */
  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

function acceptor(selector: NatRuleSelector | undefined): (rule: NatRule) => boolean {
  if (selector === undefined) return () => true;
  if (typeof selector === 'function') return selector;
  const target = normalizeSpec(selector);
  if ('family' in selector && (selector as NatRule).family !== target.family) {
    throw new InvalidArgumentError('family', (selector as NatRule).family, `does not match source ${target.source}`);
  }
  const tag = tagOf(target);
  return (rule) => rule.family === target.family && tagOf(rule) === tag;
}

/** Our rule among what the kernel echoed for a NEWRULE sent with NLM_F_ECHO: the rule as committed, with its handle. */
function echoedRule(echoed: readonly NftMessage[], tag: string, operation: string): Ours {
  for (const message of echoed) {
    const rule = toNftRule(message);
    const ours = rule && specOfUserdata(rule.family, rule.userdata);
    if (rule && ours && tagOf(ours) === tag) return toNatRule(ours, rule);
  }
  throw new UnexpectedReplyError(operation, 'the kernel did not echo the new rule');
}

const FAMILIES = ['ip', 'ip6'] as const;

function toNatRule(spec: NormalizedSpec, rule: NftRule): Ours {
  const { packets, bytes } = countersOf(rule.expressions);
  return { nat: { ...spec, handle: Number(rule.handle), packets: Number(packets), bytes: Number(bytes) }, handle: rule.handle };
}
