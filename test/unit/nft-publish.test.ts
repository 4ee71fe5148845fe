import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/validate.js';
import { Connection } from '../../lib/connection.js';
import { Nat } from '../../lib/nat/nat.js';
import { NFNETLINK_CODEC, Nftables } from '../../lib/nat/nftables.js';
import type { Transport } from '../../lib/transport.js';
import { dnatExpressions, hairpinExpressions, normalizePublish, publishChanges, publishOfUserdata, publishTag } from '../../lib/nat/publish.js';
import { decodeNftMessages, encodeNftMessages, newRule, nftType, NFT_MSG_NEWRULE, type NftMessage } from '../../messages/nftables/index.js';

const fixture = (name: string): NftMessage[] => {
  const raw = JSON.parse(readFileSync(new URL(`../fixtures/nftables/frames/${name}.json`, import.meta.url), 'utf8')) as { hex: string[] };
  return decodeNftMessages(Uint8Array.from(Buffer.from(raw.hex.join('').replace(/\s+/g, ''), 'hex')));
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** nft's rules of the publish fixture, by family and chain. */
const nftRules = fixture('nft-batch-publish').filter((m): m is Extract<NftMessage, { kind: 'rule' }> => m.kind === 'rule');
const nftRule = (family: number, chain: string) => nftRules.find((r) => r.body.family === family && r.body.attrs.chain === chain)!;

/** Our rule's bytes, as a NEWRULE with nft's table, chain, seq and flags and no comment. */
function ours(like: Extract<NftMessage, { kind: 'rule' }>, expressions: ReturnType<typeof dnatExpressions>): string {
  const message = newRule({ family: like.body.family, table: like.body.attrs.table!, chain: like.body.attrs.chain!, expressions });
  return hex(encodeNftMessages([{ ...message, seq: like.seq, flags: like.flags }]));
}

describe('published port rules, as nft writes them', () => {
  const v4 = normalizePublish({ port: 8080, to: '10.0.1.2:80', hairpinSource: '10.0.1.0/24' });

  it('the DNAT rule of prerouting and of output: byte for byte', () => {
    for (const chain of ['prerouting', 'output']) {
      const theirs = nftRule(2, chain);
      expect(ours(theirs, dnatExpressions(v4))).toBe(hex(encodeNftMessages([theirs])));
    }
  });

  it('the hairpin masquerade: byte for byte', () => {
    const theirs = nftRule(2, 'postrouting');
    expect(ours(theirs, hairpinExpressions({ ...v4, hairpinSource: '10.0.1.0/24' }))).toBe(hex(encodeNftMessages([theirs])));
  });

  it('IPv6 and UDP: byte for byte', () => {
    const theirs = nftRule(10, 'prerouting');
    expect(ours(theirs, dnatExpressions(normalizePublish({ port: 8080, protocol: 'udp', to: '[fd00:10::2]:80' })))).toBe(hex(encodeNftMessages([theirs])));
  });

  it('one batch: table, three chains, three rules carrying the same comment, which reads back as the spec', () => {
    const changes = publishChanges(v4);
    expect(changes.map((m) => m.kind)).toEqual(['table', 'chain', 'chain', 'chain', 'rule', 'rule', 'rule']);
    const rules = changes.filter((m): m is Extract<NftMessage, { kind: 'rule' }> => m.kind === 'rule');
    expect(rules.map((r) => r.body.attrs.chain)).toEqual(['prerouting', 'output', 'postrouting']);
    for (const r of rules) expect(publishOfUserdata(2, r.body.attrs.userdata)).toEqual(v4);
    expect(publishTag(v4)).toBe('netns-rtnl publish tcp 8080 10.0.1.2:80 hairpin=10.0.1.0/24');
    // Without a hairpin source there is no postrouting rule.
    expect(publishChanges(normalizePublish({ port: 8080, to: '10.0.1.2:80' })).filter((m) => m.kind === 'rule')).toHaveLength(2);
  });

  it('normalizes targets and reads every tag back', () => {
    const cases = [
      { port: 53, protocol: 'udp' as const, to: '10.0.1.2' },
      { port: 8443, to: '[fd00:10:0:0::2]:443', hostAddress: 'fd00:56::11', hairpinSource: 'fd00:10::7/64', owner: 'net/c1:eth0' },
    ];
    const [a, b] = cases.map(normalizePublish);
    expect(a).toEqual({ family: 'ip', protocol: 'udp', port: 53, toAddress: '10.0.1.2', toPort: 53 });
    expect(b).toEqual({ family: 'ip6', protocol: 'tcp', port: 8443, toAddress: 'fd00:10::2', toPort: 443, hostAddress: 'fd00:56::11', hairpinSource: 'fd00:10::/64', owner: 'net/c1:eth0' });
    const [, , , , rule] = publishChanges(b!);
    if (rule?.kind !== 'rule') throw new Error('expected a rule');
    expect(publishOfUserdata(10, rule.body.attrs.userdata)).toEqual(b);
  });

  it.each([
    [{ port: 0, to: '10.0.1.2:80' }, 'port'],
    [{ port: 65536, to: '10.0.1.2:80' }, 'port'],
    [{ port: 80.5, to: '10.0.1.2:80' }, 'port'],
    [{ port: 8080, to: '10.0.1.2:0' }, 'to'],
    [{ port: 8080, to: '10.0.1.2:70000' }, 'to'],
    [{ port: 8080, to: 'web:80' }, 'to'],
    [{ port: 8080, to: '10.0.1.2:80', protocol: 'sctp' }, 'protocol'],
    [{ port: 8080, to: '10.0.1.2:80', hostAddress: 'fd00::1' }, 'hostAddress'],
    [{ port: 8080, to: '10.0.1.2:80', hairpinSource: '10.0.1.0/33' }, 'hairpinSource'],
  ])('refuses %j (field %s)', (spec, field) => {
    expect(() => normalizePublish(spec)).toThrow(InvalidArgumentError);
    try {
      normalizePublish(spec);
    } catch (error) {
      expect((error as InvalidArgumentError).field).toBe(field);
    }
  });
});

describe('publish over a fake nfnetlink kernel that holds one published port of ours', () => {
  /** Answers the generation and dumps (our tcp 8080 -> 10.0.1.2:80 in prerouting and output); records every datagram. */
  function natWithPublishedPort(): { nat: Nat; datagrams: NftMessage[][] } {
    const datagrams: NftMessage[][] = [];
    const existing = publishChanges(normalizePublish({ port: 8080, to: '10.0.1.2:80' })).filter((m): m is Extract<NftMessage, { kind: 'rule' }> => m.kind === 'rule');
    let deliver: (d: Uint8Array) => void = () => {};
    const done = (seq: number): NftMessage => ({ kind: 'done', type: 3, flags: 2, seq, pid: 0, body: { error: 0 } });
    const answer = (m: NftMessage): NftMessage[] => {
      if (m.kind === 'gen') return [{ kind: 'gen', type: 0x0a0f, flags: 0, seq: m.seq, pid: 0, body: { family: 0, version: 0, resourceId: 0, attrs: { id: 7 } } }];
      if (m.kind === 'rule' && m.body.family === 2) {
        return [...existing.map((r, i) => ({ ...r, type: nftType(NFT_MSG_NEWRULE), flags: 2, seq: m.seq, body: { ...r.body, attrs: { ...r.body.attrs, handle: BigInt(i + 2) } } }) as NftMessage), done(m.seq)];
      }
      return [done(m.seq)];
    };
    const transport: Transport = {
      port: 0,
      async send(datagram) {
        const messages = decodeNftMessages(datagram);
        datagrams.push(messages);
        for (const reply of messages.map(answer)) setImmediate(() => deliver(encodeNftMessages(reply)));
      },
      onDatagram: (l) => (deliver = l),
      onError: () => {},
      ref: () => {},
      unref: () => {},
      close: () => {},
    };
    return { nat: new Nat(new Nftables(new Connection(transport, { codec: NFNETLINK_CODEC, timeoutMs: 1000 }))), datagrams };
  }

  it('refuses the port published elsewhere after reading, and sends no change (no batch)', async () => {
    const { nat, datagrams } = natWithPublishedPort();
    const error = await nat.publish({ port: 8080, to: '10.0.1.3:80' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ field: 'port', value: 8080 });
    expect((error as Error).message).toBe('port: 8080 is already published (tcp) to 10.0.1.2:80: unpublish it first, or choose another port');
    expect(datagrams.length).toBeGreaterThan(0);
    expect(datagrams.flat().some((m) => m.kind === 'batch')).toBe(false);
  });

  it('the same port to the same place is the published port as it is (no batch either)', async () => {
    const { nat, datagrams } = natWithPublishedPort();
    const port = await nat.publish({ port: 8080, to: '10.0.1.2:80' });
    expect(port).toMatchObject({ port: 8080, to: '10.0.1.2:80', handles: { prerouting: 2, output: 3 } });
    expect(datagrams.flat().some((m) => m.kind === 'batch')).toBe(false);
  });
});
