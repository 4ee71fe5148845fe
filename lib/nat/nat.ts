import type { Logger } from '../log.js';
import type { MasqueradeSpec, NatFamily } from './masquerade.js';
import { natRun, type NatRun } from './nat-run.js';
import type { Nftables } from './nftables.js';
import type { ContentionOptions } from './ruleset-change.js';
import type { PublishSpec } from './publish.js';
import type { PublishedPort, PublishSelector } from './published.js';

// The class the package exports, over its methods in lib/nat/nat-run.ts: those are loaded with NAT's
// rule building on the first NAT call (scripts/bundle-package.mjs), this stays in the package's core.

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
  /** The rule's handle in its table (nft's `handle`). */
  handle: number;
  /**
   * Its counter: packets and bytes masqueraded (counted on the first packet of each connection).
   * Numbers, so that a rule goes through JSON.stringify; exact up to 2^53.
   */
  packets: number;
  bytes: number;
}

/** Nat's options: how hard to retry when other processes change nftables at the same time, and how publish() finds a local prefix. */
export interface NatOptions extends ContentionOptions {
  /**
   * The prefix of this namespace's own address that holds `address` (e.g. the bridge's
   * 10.0.1.1/24 for a container at 10.0.1.2), for the hairpin rule of publish(). Namespace.nat
   * gives one that reads the namespace's addresses.
   */
  localPrefixOf?: (address: string) => Promise<string | undefined>;
  /** Where rules set up and torn down are logged, at info (silent by default). */
  logger?: Logger;
}

/** Which rules of ours remove() takes: one (a NatRule, or the spec it was made from), or those a test accepts. */
export type NatRuleSelector = MasqueradeSpec | NatRule | ((rule: NatRule) => boolean);

/**
 * Source NAT for containers, through nftables spoken over NETLINK_NETFILTER (no nft binary). The
 * rules live in one table per family owned by this library (`netns_rtnl_nat`), in its chain
 * `postrouting` (type nat hook postrouting priority srcnat); each rule carries a comment describing
 * its parameters, which is how it is found again. Every change is one batch: all of it or nothing.
 *
 * Concurrent writers (other handles, other processes) all succeed, and none waits on another:
 * a rule is added with its table and chain in the same batch, so the batch is right whatever
 * others did; rules are deleted by handle. Only the deletion of a table that looks empty is
 * checked against the generation it was read at, and planned again if anyone changed the ruleset
 * in between (see changeRuleset).
 */
export class Nat {
  readonly #options: NatOptions;
  #run: NatRun | undefined;

  constructor(
    readonly nftables: Nftables,
    options: NatOptions = {},
  ) {
    this.#options = options;
  }

  /** The methods, loaded on the first call. */
  get #calls(): NatRun {
    return (this.#run ??= natRun(this.nftables, this.#options));
  }

  /**
   * Masquerades traffic from `source` (unless it goes to `exceptDestination` or out through
   * `exceptOutInterface`). Idempotent: an identical rule of ours is returned as it is.
   */
  masquerade(spec: MasqueradeSpec): Promise<NatRule> {
    return this.#calls.masquerade(spec);
  }

  /** Our rules, with their counters, in chain order (IPv4 first). */
  rules(): Promise<NatRule[]> {
    return this.#calls.rules();
  }

  /**
   * Removes rules of ours: one (given as a NatRule or the spec it was made from), those a test
   * accepts, or all of them without an argument. A table of ours left without rules is deleted.
   * Rules that are not ours are never touched. Resolves with the number of rules removed by this
   * call (0 when another writer removed them first).
   */
  remove(selector?: NatRuleSelector): Promise<number> {
    return this.#calls.remove(selector);
  }

  /**
   * Publishes a port of this namespace (`docker run -p 8080:80`): connections to `port` on any of
   * its addresses (or `hostAddress`) go to `to`, whether they come from other hosts (prerouting) or
   * from the namespace itself (output); connections from the containers of the target's own subnet
   * are masqueraded so their replies come back through it (hairpin). One batch. Idempotent: the
   * same port published to the same place is returned as it is; the port published by a rule of
   * ours to anywhere else is refused (InvalidArgumentError 'port') before any change is sent.
   */
  publish(spec: PublishSpec): Promise<PublishedPort> {
    return this.#calls.publish(spec);
  }

  /** Our published ports, with their counters (IPv4 first). */
  published(): Promise<PublishedPort[]> {
    return this.#calls.published();
  }

  /**
   * Removes published ports of ours: one (a PublishedPort, or the spec it was made from), those a
   * test accepts, or all. One batch; a table of ours left empty is deleted. Resolves with the number
   * of ports removed by this call.
   */
  unpublish(selector?: PublishSelector): Promise<number> {
    return this.#calls.unpublish(selector);
  }

  /** Closes the nftables socket (the namespace does it itself on close()). */
  close(): void {
    this.nftables.close();
  }
}
