import { formatIP, parseIP } from '../../messages/attributes/ip-text.js';
import { deleteRule, type NftMessage } from '../../messages/nftables/index.js';
import { InvalidArgumentError } from '../validate.js';
import { countersOf, NAT_CHAIN, NAT_TABLE, nfproto, type NatFamily } from './masquerade.js';
import type { NftRule, Nftables } from './nftables.js';
import { normalizePublish, publishOfUserdata, publishTag, samePort, type NormalizedPublish, type PublishChain, type PublishSpec } from './publish.js';

// Published ports as read back from our table: the rules of one port grouped by their comment.

/**
 * A published port of ours, as the kernel has it now; can be given back to unpublish(). Plain
 * data, as NatRule is: numbers, so it goes through JSON.stringify.
 */
export interface PublishedPort extends NormalizedPublish {
  /** The target as publish() takes it: '10.0.1.2:80', '[fd00::2]:80'. */
  to: string;
  /** The handle of its rule in each chain (nft's `handle`). */
  handles: Partial<Record<PublishChain, number>>;
  /** Connections DNATed (counted on their first packet), from other hosts and from the node, and their bytes. */
  packets: number;
  bytes: number;
}

/** A published port as read, with the kernel's 64-bit handles that delete its rules. */
export interface OurPort {
  port: PublishedPort;
  handles: Partial<Record<PublishChain, bigint>>;
}

/** Which published ports unpublish() takes: one (a PublishedPort or its spec), those a test accepts, or all. */
export type PublishSelector = PublishSpec | PublishedPort | ((port: PublishedPort) => boolean);

/** Our published ports among `rules` (of one table, every chain), in the order their first rule came. */
export function publishedOf(rules: readonly NftRule[]): OurPort[] {
  const byTag = new Map<string, OurPort>();
  for (const r of rules) {
    if (r.chain !== 'prerouting' && r.chain !== 'output' && r.chain !== NAT_CHAIN) continue;
    const spec = publishOfUserdata(r.family, r.userdata);
    if (!spec) continue;
    const tag = publishTag(spec);
    let ours = byTag.get(tag);
    if (!ours) {
      ours = { port: { ...spec, to: `${spec.family === 'ip6' ? `[${spec.toAddress}]` : spec.toAddress}:${spec.toPort}`, handles: {}, packets: 0, bytes: 0 }, handles: {} };
      byTag.set(tag, ours);
    }
    ours.handles[r.chain as PublishChain] = r.handle;
    ours.port.handles[r.chain as PublishChain] = Number(r.handle);
    if (r.chain !== NAT_CHAIN) {
      const c = countersOf(r.expressions);
      ours.port.packets += Number(c.packets);
      ours.port.bytes += Number(c.bytes);
    }
  }
  return [...byTag.values()];
}

export async function readPublished(nftables: Nftables, family: NatFamily): Promise<OurPort[]> {
  return publishedOf(await nftables.rules({ family: nfproto(family), table: NAT_TABLE }));
}

/** The refusal of a port that one of our rules already sends somewhere else. */
export function portTaken(wanted: NormalizedPublish, taken: PublishedPort): InvalidArgumentError {
  const where = taken.hostAddress ? ` on ${taken.hostAddress}` : '';
  return new InvalidArgumentError('port', wanted.port, `is already published (${taken.protocol}${where}) to ${taken.to}${taken.owner ? ` for ${taken.owner}` : ''}: unpublish it first, or choose another port`);
}

/** What publish() must do given the ports already published: nothing (the same is there), refuse, or add. */
export function planPublish(wanted: NormalizedPublish, existing: readonly OurPort[]): { done: PublishedPort } | { add: true } {
  const tag = publishTag(wanted);
  const same = existing.find((p) => publishTag(p.port) === tag);
  if (same) return { done: same.port };
  const taken = existing.find((p) => samePort(p.port, wanted));
  if (taken) throw portTaken(wanted, taken.port);
  return { add: true };
}

export function publishAcceptor(selector: PublishSelector | undefined): (port: PublishedPort) => boolean {
  if (selector === undefined) return () => true;
  if (typeof selector === 'function') return selector;
  // A spec names a port by what it publishes; the hairpin source is part of it only when given.
  const wanted = normalizePublish(selector);
  const tag = publishTag(wanted);
  return (port) => (wanted.hairpinSource === undefined ? publishTag({ ...port, hairpinSource: undefined }) === tag : publishTag(port) === tag);
}

/** DELRULE of every rule of these ports, by handle. */
export function unpublishChanges(ports: readonly OurPort[]): NftMessage[] {
  return ports.flatMap((p) =>
    Object.entries(p.handles).map(([chain, handle]) => deleteRule({ family: nfproto(p.port.family), table: NAT_TABLE, chain, handle: handle as bigint })),
  );
}

/** The prefix of an address of the node that holds `target`: where hairpin clients come from. */
export function connectedPrefix(addresses: ReadonlyArray<{ address: string; prefixlen: number; scope: string | number }>, target: string): string | undefined {
  const want = parseIP(target);
  if (!want) return undefined;
  for (const a of addresses) {
    const bytes = parseIP(a.address);
    if (!bytes || bytes.length !== want.length || a.scope === 'host' || a.scope === 'link') continue;
    if (a.prefixlen === bytes.length * 8) continue;
    let inside = true;
    for (let bit = 0; bit < a.prefixlen && inside; bit++) {
      const mask = 0x80 >> (bit & 7);
      if ((bytes[bit >> 3]! & mask) !== (want[bit >> 3]! & mask)) inside = false;
    }
    if (!inside) continue;
    for (let bit = a.prefixlen; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
    return `${formatIP(bytes, 0, bytes.length)}/${a.prefixlen}`;
  }
  return undefined;
}
