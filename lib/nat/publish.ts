import { parseIPv4, parseIPv6 } from '../../messages/attributes/ip-text.js';
import {
  IPS_DST_NAT,
  NF_INET_LOCAL_OUT,
  NF_INET_POST_ROUTING,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_NAT_DST,
  NF_IP_PRI_NAT_SRC,
  NF_NAT_RANGE_PROTO_SPECIFIED,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFT_CMP_EQ,
  NFT_CMP_NEQ,
  NFT_CT_STATUS,
  NFT_FIB_RESULT_ADDRTYPE,
  NFT_META_L4PROTO,
  NFT_NAT_DNAT,
  NFT_PAYLOAD_TRANSPORT_HEADER,
  NFT_REG_1,
  NFT_REG_2,
  NFTA_FIB_F_DADDR,
  commentOf,
  commentUserdata,
  newChain,
  newRule,
  newTable,
  type NftExpression,
  type NftMessage,
} from '../../messages/nftables/index.js';
import { RTN_LOCAL } from '../../messages/route/constants.js';
import { checkPort, isIntegerIn } from '../../messages/checks.js';
import { InvalidArgumentError, networkOf, parseAddress, parsePrefix, type Family } from '../validate.js';
import { checkOwner, NAT_CHAIN, NAT_TABLE, NAT_TAG, OWNER_PATTERN, prefixMatch, type NatFamily } from './masquerade.js';

// Port publishing (`docker run -p 8080:80`, the CNI portmap plugin) as nftables rules in our table:
// DNAT of a port of the node's own addresses to a container, in a prerouting chain (traffic from
// other hosts) and an output chain (traffic from the node itself), and a masquerade in postrouting
// for hairpin traffic: a container of the same subnet reaching the published port, whose reply
// would otherwise go straight back to it over the bridge, from the container's address rather
// than the node's, and be dropped.

import type { PublishChain } from './chains.js';

export { PUBLISH_CHAINS, type PublishChain } from './chains.js';

/** The transport protocol of a published port. */
export type PublishProtocol = 'tcp' | 'udp';
const L4PROTO: Readonly<Record<PublishProtocol, number>> = { tcp: 6, udp: 17 };

/** What ns.nat.publish() takes: like `docker run -p PORT:TO_PORT`, a node port forwarded to an address and port. */
export interface PublishSpec {
  /** The node's port, 1 to 65535. */
  port: number;
  /** 'tcp' (the default) or 'udp'. */
  protocol?: PublishProtocol;
  /** Where it goes: '10.0.1.2:80', '[fd00::2]:80', or an address alone for the same port. */
  to: string;
  /** Only traffic to this address of the node (`-p 192.168.56.11:8080:80`); default every local address. */
  hostAddress?: string;
  /**
   * The subnet of the containers that may reach the port through the node (hairpin): their
   * connections are masqueraded. Namespace.nat fills it from the node's addresses (the prefix that
   * holds `to`) when it is left out.
   */
  hairpinSource?: string;
  /** Who the rules belong to (e.g. one CNI attachment), as for masquerade. */
  owner?: string;
  /** false: no hairpin rule, and no hairpinSource looked up. */
  hairpin?: boolean;
}

/** A validated spec: what identifies a published port of ours. */
export interface NormalizedPublish {
  family: NatFamily;
  protocol: PublishProtocol;
  port: number;
  /** Canonical address and port of the target. */
  toAddress: string;
  toPort: number;
  hostAddress?: string;
  hairpinSource?: string;
  owner?: string;
}


/** '10.0.1.2:80', '[fd00::2]:80', '10.0.1.2', 'fd00::2' -> address and port (`port` when none is written). */
function parseTarget(text: unknown, port: number): { family: Family; address: string; port: number } {
  if (typeof text !== 'string') throw new InvalidArgumentError('to', text, "is not an address with a port such as '10.0.1.2:80' or '[fd00::2]:80'");
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(text);
  const [address, portText] = v6 ? [v6[1]!, v6[2]] : v4 ? [v4[1]!, v4[2]] : [text, undefined];
  let parsed: { family: Family; address: string };
  try {
    parsed = parseAddress(address, 'to');
  } catch {
    throw new InvalidArgumentError('to', text, "is not an address with a port such as '10.0.1.2:80' or '[fd00::2]:80'");
  }
  const toPort = portText === undefined ? port : Number(portText);
  if (!isIntegerIn(toPort, 1, 65535)) throw new InvalidArgumentError('to', text, 'has a port outside 1 to 65535');
  // The canonical text of the address, as the kernel would give it back.
  return { family: parsed.family, address: networkOf({ family: parsed.family, address: parsed.address, prefixlen: parsed.family === 4 ? 32 : 128 }), port: toPort };
}

/** Checks a publish spec before anything is sent; InvalidArgumentError names the field. */
export function normalizePublish(spec: unknown): NormalizedPublish {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('publish', spec, "is not an object like { port: 8080, to: '10.0.1.2:80' }");
  const s = spec as Partial<Record<keyof PublishSpec, unknown>>;
  const port = checkPort(s.port, 'port');
  const protocol = s.protocol ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp') throw new InvalidArgumentError('protocol', s.protocol, "is not 'tcp' or 'udp'");
  const target = parseTarget(s.to, port);
  const out: NormalizedPublish = { family: target.family === 4 ? 'ip' : 'ip6', protocol, port, toAddress: target.address, toPort: target.port };
  if (s.hostAddress !== undefined) {
    const host = parseAddress(s.hostAddress, 'hostAddress');
    if (host.family !== target.family) throw new InvalidArgumentError('hostAddress', s.hostAddress, `is IPv${host.family} but to ${JSON.stringify(s.to)} is IPv${target.family}`);
    out.hostAddress = networkOf({ ...host, prefixlen: host.family === 4 ? 32 : 128 });
  }
  if (s.hairpin !== undefined && typeof s.hairpin !== 'boolean') throw new InvalidArgumentError('hairpin', s.hairpin, 'is not true or false');
  if (s.hairpinSource !== undefined && s.hairpin === false) throw new InvalidArgumentError('hairpinSource', s.hairpinSource, 'is given with hairpin: false');
  if (s.hairpinSource !== undefined) {
    const prefix = parsePrefix(s.hairpinSource, 'hairpinSource');
    if (prefix.family !== target.family) throw new InvalidArgumentError('hairpinSource', s.hairpinSource, `is IPv${prefix.family} but to ${JSON.stringify(s.to)} is IPv${target.family}`);
    out.hairpinSource = `${networkOf(prefix)}/${prefix.prefixlen}`;
  }
  if (s.owner !== undefined) out.owner = checkOwner(s.owner);
  return out;
}

const bracket = (family: NatFamily, address: string): string => (family === 'ip6' ? `[${address}]` : address);

/** The comment on every rule of a published port: 'netns-rtnl publish tcp 8080 10.0.1.2:80 hairpin=10.0.1.0/24'. */
export function publishTag(p: NormalizedPublish): string {
  let tag = `${NAT_TAG} publish ${p.protocol} ${p.port} ${bracket(p.family, p.toAddress)}:${p.toPort}`;
  if (p.hostAddress) tag += ` host=${p.hostAddress}`;
  if (p.hairpinSource) tag += ` hairpin=${p.hairpinSource}`;
  if (p.owner) tag += ` owner=${p.owner}`;
  return tag;
}

const TAG = new RegExp(`^netns-rtnl publish (tcp|udp) (\\d+) (?:\\[([0-9a-f:.]+)\\]|([0-9.]+)):(\\d+)(?: host=(\\S+))?(?: hairpin=(\\S+/\\d+))?(?: owner=(${OWNER_PATTERN}))?$`);

/** The published port a rule's comment describes, if it is one of ours. */
export function publishOfUserdata(family: number, userdata: Uint8Array | undefined): NormalizedPublish | undefined {
  const m = TAG.exec(commentOf(userdata) ?? '');
  if (!m || (family !== NFPROTO_IPV4 && family !== NFPROTO_IPV6)) return undefined;
  const p: NormalizedPublish = { family: family === NFPROTO_IPV4 ? 'ip' : 'ip6', protocol: m[1] as PublishProtocol, port: Number(m[2]), toAddress: m[3] ?? m[4]!, toPort: Number(m[5]) };
  if (m[6]) p.hostAddress = m[6];
  if (m[7]) p.hairpinSource = m[7];
  if (m[8]) p.owner = m[8];
  return p;
}

const addressBytes = (family: NatFamily, address: string): Uint8Array => (family === 'ip' ? parseIPv4(address)! : parseIPv6(address)!);
const be16 = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);
const hostU32 = (n: number): Uint8Array => new Uint8Array(Uint32Array.of(n).buffer);

/** `meta l4proto P th dport N`, as nft writes `tcp dport N`. */
function portMatch(protocol: PublishProtocol, port: number): NftExpression[] {
  return [
    { name: 'meta', data: { key: NFT_META_L4PROTO, dreg: NFT_REG_1 } },
    { name: 'cmp', data: { sreg: NFT_REG_1, op: NFT_CMP_EQ, data: { value: Uint8Array.of(L4PROTO[protocol]) } } },
    { name: 'payload', data: { dreg: NFT_REG_1, base: NFT_PAYLOAD_TRANSPORT_HEADER, offset: 2, len: 2 } },
    { name: 'cmp', data: { sreg: NFT_REG_1, op: NFT_CMP_EQ, data: { value: be16(port) } } },
  ];
}

/** `fib daddr type local tcp dport P counter dnat to A:Q` (or `ip daddr H` for one host address). */
export function dnatExpressions(p: NormalizedPublish): NftExpression[] {
  const destination: NftExpression[] = p.hostAddress
    ? prefixMatch({ family: p.family === 'ip' ? 4 : 6, address: p.hostAddress, prefixlen: p.family === 'ip' ? 32 : 128 }, 'daddr', NFT_CMP_EQ)
    : [
        { name: 'fib', data: { flags: NFTA_FIB_F_DADDR, result: NFT_FIB_RESULT_ADDRTYPE, dreg: NFT_REG_1 } },
        { name: 'cmp', data: { sreg: NFT_REG_1, op: NFT_CMP_EQ, data: { value: hostU32(RTN_LOCAL) } } },
      ];
  return [
    ...destination,
    ...portMatch(p.protocol, p.port),
    { name: 'counter', data: {} },
    { name: 'immediate', data: { dreg: NFT_REG_1, data: { value: addressBytes(p.family, p.toAddress) } } },
    { name: 'immediate', data: { dreg: NFT_REG_2, data: { value: be16(p.toPort) } } },
    {
      name: 'nat',
      data: { type: NFT_NAT_DNAT, family: p.family === 'ip' ? NFPROTO_IPV4 : NFPROTO_IPV6, regAddrMin: NFT_REG_1, regProtoMin: NFT_REG_2, flags: NF_NAT_RANGE_PROTO_SPECIFIED },
    },
  ];
}

/** `ip saddr S ip daddr A tcp dport Q ct status dnat counter masquerade`: the hairpin. */
export function hairpinExpressions(p: NormalizedPublish & { hairpinSource: string }): NftExpression[] {
  const full = p.family === 'ip' ? 32 : 128;
  const family: Family = p.family === 'ip' ? 4 : 6;
  return [
    ...prefixMatch(parsePrefix(p.hairpinSource, 'hairpinSource'), 'saddr', NFT_CMP_EQ),
    ...prefixMatch({ family, address: p.toAddress, prefixlen: full }, 'daddr', NFT_CMP_EQ),
    ...portMatch(p.protocol, p.toPort),
    { name: 'ct', data: { key: NFT_CT_STATUS, dreg: NFT_REG_1 } },
    { name: 'bitwise', data: { sreg: NFT_REG_1, dreg: NFT_REG_1, len: 4, mask: { value: hostU32(IPS_DST_NAT) }, xor: { value: new Uint8Array(4) } } },
    { name: 'cmp', data: { sreg: NFT_REG_1, op: NFT_CMP_NEQ, data: { value: new Uint8Array(4) } } },
    { name: 'counter', data: {} },
    { name: 'masq', data: {} },
  ];
}

/** The rules of a published port, chain by chain (no hairpin rule without a hairpin source). */
export function publishRules(p: NormalizedPublish): Array<[PublishChain, NftExpression[]]> {
  const rules: Array<[PublishChain, NftExpression[]]> = [
    ['prerouting', dnatExpressions(p)],
    ['output', dnatExpressions(p)],
  ];
  if (p.hairpinSource) rules.push([NAT_CHAIN, hairpinExpressions({ ...p, hairpinSource: p.hairpinSource })]);
  return rules;
}

/** One batch: our table, its three chains (made if missing) and the rules of one published port. */
export function publishChanges(p: NormalizedPublish, options: { table?: string } = {}): NftMessage[] {
  const family = p.family === 'ip' ? NFPROTO_IPV4 : NFPROTO_IPV6;
  const table = options.table ?? NAT_TABLE;
  const userdata = commentUserdata(publishTag(p), 'publish comment');
  return [
    newTable({ family, name: table }),
    newChain({ family, table, name: 'prerouting', type: 'nat', hook: { hooknum: NF_INET_PRE_ROUTING, priority: NF_IP_PRI_NAT_DST } }),
    newChain({ family, table, name: 'output', type: 'nat', hook: { hooknum: NF_INET_LOCAL_OUT, priority: NF_IP_PRI_NAT_DST } }),
    newChain({ family, table, name: NAT_CHAIN, type: 'nat', hook: { hooknum: NF_INET_POST_ROUTING, priority: NF_IP_PRI_NAT_SRC } }),
    ...publishRules(p).map(([chain, expressions]) => newRule({ family, table, chain, expressions, userdata })),
  ];
}

/** Whether two published ports would catch the same packets: same family, protocol and port, and overlapping host addresses. */
export function samePort(a: NormalizedPublish, b: NormalizedPublish): boolean {
  return a.family === b.family && a.protocol === b.protocol && a.port === b.port && (a.hostAddress === undefined || b.hostAddress === undefined || a.hostAddress === b.hostAddress);
}

