import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../messages/attributes/ip-text.js';
import {
  IFNAMSIZ,
  NF_INET_POST_ROUTING,
  NF_IP_PRI_NAT_SRC,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFT_CMP_EQ,
  NFT_CMP_NEQ,
  NFT_META_OIFNAME,
  NFT_PAYLOAD_NETWORK_HEADER,
  NFT_REG_1,
  commentOf,
  commentUserdata,
  isExpression,
  newChain,
  newRule,
  newTable,
  type NftExpression,
  type NftMessage,
} from '../../messages/nftables/index.js';
import { checkInterfaceName, InvalidArgumentError, parsePrefix, type Prefix } from '../validate.js';

/** The table this library owns, in family ip (IPv4 rules) and ip6 (IPv6 rules). */
export const NAT_TABLE = 'netns_rtnl_nat';
/** Its base chain: type nat hook postrouting priority srcnat. */
export const NAT_CHAIN = 'postrouting';
/** Every rule of ours carries a comment (NFTA_RULE_USERDATA) starting with this. */
export const NAT_TAG = 'netns-rtnl';

/** nftables' family name: 'ip' (IPv4) or 'ip6' (IPv6). */
export type NatFamily = 'ip' | 'ip6';

/** What ns.nat.masquerade() takes: like `iptables -t nat -A POSTROUTING -s SOURCE ! -d EXCEPT ! -o IFACE -j MASQUERADE`. */
export interface MasqueradeSpec {
  /** Traffic from this prefix is masqueraded, e.g. '10.0.0.0/24' (host bits are cleared). */
  source: string;
  /** ... unless it goes to this prefix (same family as source), e.g. the cluster's '10.0.0.0/16'. */
  exceptDestination?: string;
  /** ... or leaves through this interface, e.g. the bridge 'br0'. */
  exceptOutInterface?: string;
  /**
   * Who the rule belongs to (e.g. one CNI attachment): 1 to 64 of [A-Za-z0-9_.:/-], part of the
   * rule's identity, so the same traffic masqueraded for two owners is two rules, removed apart.
   */
  owner?: string;
}

/** A validated, normalized spec: what identifies a rule of ours. */
export interface NormalizedSpec {
  family: NatFamily;
  source: string;
  exceptDestination?: string;
  exceptOutInterface?: string;
  owner?: string;
}

/** The network of a prefix as bytes (host bits cleared) and as canonical text. */
function network(prefix: Prefix): { bytes: Uint8Array; text: string } {
  const bytes = (prefix.family === 4 ? parseIPv4 : parseIPv6)(prefix.address)!;
  for (let bit = prefix.prefixlen; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const address = prefix.family === 4 ? formatIPv4(bytes, 0) : formatIPv6(bytes, 0);
  return { bytes, text: `${address}/${prefix.prefixlen}` };
}

/** Checks a spec before anything is sent; InvalidArgumentError names the field. */
export function normalizeSpec(spec: unknown): NormalizedSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('masquerade', spec, "is not an object like { source: '10.0.0.0/24' }");
  const s = spec as Partial<Record<keyof MasqueradeSpec, unknown>>;
  const source = parsePrefix(s.source, 'source');
  const out: NormalizedSpec = { family: source.family === 4 ? 'ip' : 'ip6', source: network(source).text };
  if (s.exceptDestination !== undefined) {
    const except = parsePrefix(s.exceptDestination, 'exceptDestination');
    if (except.family !== source.family) {
      throw new InvalidArgumentError('exceptDestination', s.exceptDestination, `is IPv${except.family} but source ${JSON.stringify(s.source)} is IPv${source.family}`);
    }
    if (except.prefixlen === 0) throw new InvalidArgumentError('exceptDestination', s.exceptDestination, 'excludes every destination: the rule would never apply');
    out.exceptDestination = network(except).text;
  }
  if (s.exceptOutInterface !== undefined) out.exceptOutInterface = checkInterfaceName(s.exceptOutInterface, 'exceptOutInterface');
  if (s.owner !== undefined) out.owner = checkOwner(s.owner);
  return out;
}

/** The comment that tags a rule of ours: 'netns-rtnl 10.0.0.0/24 dst!=10.0.0.0/16 oif!=br0'. */
export function tagOf(spec: NormalizedSpec): string {
  let tag = `${NAT_TAG} ${spec.source}`;
  if (spec.exceptDestination) tag += ` dst!=${spec.exceptDestination}`;
  if (spec.exceptOutInterface) tag += ` oif!=${spec.exceptOutInterface}`;
  if (spec.owner) tag += ` owner=${spec.owner}`;
  return tag;
}

/** What an owner may be, as it stands in a rule's tag (`owner=...`, the tag's last field). */
export const OWNER_PATTERN = '[A-Za-z0-9_.:/-]{1,64}';
const OWNER = new RegExp(`^${OWNER_PATTERN}$`);
const TAG = new RegExp(`^netns-rtnl (\\S+/\\d+)(?: dst!=(\\S+/\\d+))?(?: oif!=(\\S+))?(?: owner=(${OWNER_PATTERN}))?$`);

/** A rule's owner (masquerade or published port), refused unless it can stand in the tag. */
export function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || !OWNER.test(owner)) throw new InvalidArgumentError('owner', owner, 'is not 1 to 64 characters of A-Z a-z 0-9 _ . : / -');
  return owner;
}

/** The spec a rule's userdata describes, if it is one of ours. */
export function specOfUserdata(family: number, userdata: Uint8Array | undefined): NormalizedSpec | undefined {
  const match = TAG.exec(commentOf(userdata) ?? '');
  if (!match || (family !== NFPROTO_IPV4 && family !== NFPROTO_IPV6)) return undefined;
  const spec: NormalizedSpec = { family: family === NFPROTO_IPV4 ? 'ip' : 'ip6', source: match[1]! };
  if (match[2]) spec.exceptDestination = match[2];
  if (match[3]) spec.exceptOutInterface = match[3];
  if (match[4]) spec.owner = match[4];
  return spec;
}

export function nfproto(family: NatFamily): number {
  return family === 'ip' ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

/**
 * Expressions matching a prefix of the source (or destination) address, as nft generates them:
 * nothing for /0; a load of the prefix bytes and a compare when the length is a multiple of 8;
 * else a load of the whole address, a bitwise mask and a compare.
 */
export function prefixMatch(prefix: Prefix, field: 'saddr' | 'daddr', op: number): NftExpression[] {
  if (prefix.prefixlen === 0) return [];
  const size = prefix.family === 4 ? 4 : 16;
  const offset = prefix.family === 4 ? (field === 'saddr' ? 12 : 16) : field === 'saddr' ? 8 : 24;
  const { bytes } = network(prefix);
  const load = (len: number): NftExpression => ({ name: 'payload', data: { dreg: NFT_REG_1, base: NFT_PAYLOAD_NETWORK_HEADER, offset, len } });
  if (prefix.prefixlen % 8 === 0) {
    const len = prefix.prefixlen / 8;
    return [load(len), { name: 'cmp', data: { sreg: NFT_REG_1, op, data: { value: bytes.slice(0, len) } } }];
  }
  const mask = new Uint8Array(size);
  for (let bit = 0; bit < prefix.prefixlen; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return [
    load(size),
    { name: 'bitwise', data: { sreg: NFT_REG_1, dreg: NFT_REG_1, len: size, mask: { value: mask }, xor: { value: new Uint8Array(size) } } },
    { name: 'cmp', data: { sreg: NFT_REG_1, op, data: { value: bytes } } },
  ];
}

/** `ip saddr S [ip daddr != D] [oifname != "I"] counter masquerade`, expression for expression as nft. */
export function masqueradeExpressions(spec: NormalizedSpec): NftExpression[] {
  const source = parsePrefix(spec.source, 'source');
  const out = prefixMatch(source, 'saddr', NFT_CMP_EQ);
  if (spec.exceptDestination) out.push(...prefixMatch(parsePrefix(spec.exceptDestination, 'exceptDestination'), 'daddr', NFT_CMP_NEQ));
  if (spec.exceptOutInterface) {
    const name = new Uint8Array(IFNAMSIZ);
    name.set(new TextEncoder().encode(spec.exceptOutInterface));
    out.push({ name: 'meta', data: { key: NFT_META_OIFNAME, dreg: NFT_REG_1 } });
    out.push({ name: 'cmp', data: { sreg: NFT_REG_1, op: NFT_CMP_NEQ, data: { value: name } } });
  }
  out.push({ name: 'counter', data: {} }, { name: 'masq', data: {} });
  return out;
}

/** NEWTABLE, NEWCHAIN (nat, postrouting, srcnat) and NEWRULE: the batch that adds one rule of ours. */
export function masqueradeChanges(spec: NormalizedSpec, options: { table?: string; chain?: string; tag?: boolean } = {}): NftMessage[] {
  const family = nfproto(spec.family);
  const table = options.table ?? NAT_TABLE;
  const chain = options.chain ?? NAT_CHAIN;
  return [
    newTable({ family, name: table }),
    newChain({ family, table, name: chain, type: 'nat', hook: { hooknum: NF_INET_POST_ROUTING, priority: NF_IP_PRI_NAT_SRC } }),
    newRule({
      family,
      table,
      chain,
      expressions: masqueradeExpressions(spec),
      ...(options.tag === false ? {} : { userdata: commentUserdata(tagOf(spec), 'masquerade comment') }),
    }),
  ];
}

/** The packets and bytes of a rule's counter expression (0 if it has none). */
export function countersOf(expressions: readonly NftExpression[]): { packets: bigint; bytes: bigint } {
  for (const e of expressions) {
    if (isExpression(e, 'counter')) return { packets: e.data?.packets ?? 0n, bytes: e.data?.bytes ?? 0n };
  }
  return { packets: 0n, bytes: 0n };
}
