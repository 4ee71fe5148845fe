import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, type NetlinkMessage } from '../../messages/message.js';
import { ruleMessage, type RuleSpec } from '../../lib/rules.js';
import { qdiscMessage } from '../../lib/tc/qdiscs.js';
import { filterMessage } from '../../lib/tc/filters.js';
import { loadFixtures } from '../helpers/fixtures.js';

// Our builders against what ip and tc sent for the same command (the captured fixtures): the same
// message once decoded (attribute order may differ: ours follow the table, iproute2's its code).

const fixtures = new Map(loadFixtures().map((f) => [f.name, f]));

function captured(name: string): NetlinkMessage {
  const fixture = fixtures.get(name);
  if (!fixture) throw new Error(`no fixture ${name}`);
  return decodeMessages(fixture.bytes)[0]!;
}

/** Our message as the kernel would read it: encoded, then decoded again. */
const roundTrip = (m: NetlinkMessage): NetlinkMessage => decodeMessages(encodeMessage(m))[0]!;

describe('rule builder = ip rule', () => {
  const cases: Array<[string, 'add' | 'delete', RuleSpec]> = [
    ['rule-new-v4-request', 'add', { from: '10.0.0.0/24', table: 100, priority: 1000 }],
    ['rule-new-v6-request', 'add', { from: 'fd00::/64', table: 200, priority: 1001 }],
    ['rule-new-fwmark-iif-request', 'add', { fwmark: 0x10, fwmask: 0xff, iif: 'va', table: 300, priority: 1002 }],
    ['rule-new-not-to-oif-request', 'add', { not: true, to: '10.9.0.0/16', oif: 'vb', table: 101, priority: 1003 }],
    ['rule-new-blackhole-request', 'add', { from: '10.1.0.0/16', action: 'blackhole', priority: 1005 }],
    ['rule-del-request', 'delete', { priority: 1000 }],
  ];
  it.each(cases)('%s', (name, kind, spec) => {
    const theirs = captured(name);
    const ours = roundTrip(ruleMessage(kind, spec));
    expect(ours.type).toBe(theirs.type);
    expect(ours.body).toEqual(theirs.body);
  });
});

describe('qdisc and filter builders = tc', () => {
  it('ingress and clsact: the same message', () => {
    for (const kind of ['ingress', 'clsact'] as const) {
      const theirs = captured(`qdisc-new-${kind}-request`) as Extract<NetlinkMessage, { kind: 'qdisc' }>;
      expect(roundTrip(qdiscMessage('add', theirs.body.ifindex, { kind })).body).toEqual(theirs.body);
    }
  });

  it('tbf: the same rate, burst and linklayer (tc adds a rate table the kernel does not need for ethernet)', () => {
    const theirs = captured('qdisc-new-tbf-request') as Extract<NetlinkMessage, { kind: 'qdisc' }>;
    const ours = roundTrip(qdiscMessage('add', theirs.body.ifindex, { kind: 'tbf', rate: '10mbit', burst: 4096, handle: '1:' })) as typeof theirs;
    expect(ours.body).toMatchObject({ ifindex: theirs.body.ifindex, handle: theirs.body.handle, parent: theirs.body.parent });
    const [o, t] = [ours.body.attrs, theirs.body.attrs];
    if (o.kind !== 'tbf' || t.kind !== 'tbf' || !o.options || !t.options || o.options instanceof Uint8Array || t.options instanceof Uint8Array) throw new Error('not tbf');
    expect(o.options.burst).toBe(t.options.burst);
    expect(o.options.parms!.rate.rate).toBe(t.options.parms!.rate.rate);
    expect(o.options.parms!.rate.linklayer).toBe(t.options.parms!.rate.linklayer);
    // The buffer time in 64 ns ticks: tc's tick length comes from /proc/net/psched, ours is exact.
    expect(Math.abs(o.options.parms!.buffer - t.options.parms!.buffer) / t.options.parms!.buffer).toBeLessThan(0.001);
  });

  it('tbf above 2^32-1 bytes per second carries TCA_TBF_RATE64, as tc does', () => {
    const theirs = captured('qdisc-new-tbf-rate64-request') as Extract<NetlinkMessage, { kind: 'qdisc' }>;
    const ours = roundTrip(qdiscMessage('add', 3, { kind: 'tbf', rate: '40gbit', burst: 1048576 })) as typeof theirs;
    const [o, t] = [ours.body.attrs.options, theirs.body.attrs.options] as Array<{ rate64?: bigint; parms?: { rate: { rate: number } } }>;
    expect(o!.rate64).toBe(t!.rate64);
    expect(o!.parms!.rate.rate).toBe(t!.parms!.rate.rate);
  });

  it('u32 match-all with a mirred egress redirect: the same message', () => {
    const theirs = captured('filter-new-u32-mirred-request') as Extract<NetlinkMessage, { kind: 'filter' }>;
    const target = 4; // ifb0's index in the capture
    const ours = roundTrip(filterMessage(theirs.body.ifindex, { kind: 'u32', parent: 'ingress', protocol: 'all', actions: [{ kind: 'mirred', dev: target }] }));
    expect(ours.body).toEqual(theirs.body);
  });
});
