import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { copyLinkState, linkStateBySummary, linkStateOfFrame, toLinkState, type LinkState } from '../../lib/rtnl/links.js';
import { RTM_NEWLINK, RTM_NEWROUTE } from '../../messages/constants.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE } from '../../messages/link/scan.js';
import { encodeMessage } from '../../messages/message.js';
import { checkDamagedFrames, linkFrames, linkOutcome, type Outcome } from '../helpers/link-frames.js';

// A LinkState (a creation's echo, rtnl.link(), ns.links()) is read from its frame by one scan of the
// bytes (scanLink); frames the scan does not take are read through decodeLinkSummary, as every frame
// was before. Both ways must give the same state, or the same NetlinkDecodeError, and the state must
// be the one toLinkState makes of the decoded message.

function rawOutcome(state: LinkState): unknown {
  try {
    return state.raw;
  } catch (error) {
    if (!(error instanceof NetlinkDecodeError)) throw error;
    return { error: error.message, offset: error.offset };
  }
}

/** The scan and the summary agree on `frame` (each reading its own copy): same keys and fields, same raw, or the same error. */
function expectSameWays(frame: Uint8Array): Outcome {
  const scanned = linkOutcome(() => linkStateOfFrame(frame.slice()));
  const summarized = linkOutcome(() => linkStateBySummary(frame.slice()));
  // The scan reads attribute headers as u16s where the frame starts at an even offset of its
  // buffer, and bytes elsewhere: the same frame, anywhere in a buffer of other bytes, reads the same.
  for (const offset of [1, 2, 3]) {
    const buffer = new Uint8Array(frame.length + 8).fill(0xee);
    buffer.set(frame, offset);
    const placed = linkOutcome(() => linkStateOfFrame(buffer.subarray(offset, offset + frame.length)));
    if ('error' in scanned) expect(placed).toEqual(scanned);
    else expect('fields' in placed && placed.fields).toStrictEqual(scanned.fields);
  }
  if ('error' in summarized || 'error' in scanned) {
    expect(scanned).toEqual(summarized);
    return scanned;
  }
  expect(scanned.keys).toEqual(summarized.keys);
  expect(scanned.fields).toStrictEqual(summarized.fields);
  expect(Object.getOwnPropertyDescriptor(scanned.state, 'raw')?.get).toBeTypeOf('function');
  expect(rawOutcome(scanned.state)).toEqual(rawOutcome(summarized.state));
  return scanned;
}

const frames = linkFrames();

/** An attribute as bytes: type, payload (padded to 4). */
function attribute(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const out = [len & 255, len >> 8, type & 255, type >> 8, ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

/** An RTM_NEWLINK with ifindex `index`, ifi_flags 0x1003 and these attribute bytes (nlmsg_len set). */
function rawLink(attrs: number[], index = [7, 0, 0, 0], type = RTM_NEWLINK): Uint8Array {
  const len = 32 + attrs.length;
  return Uint8Array.from([len & 255, len >> 8, 0, 0, type & 255, type >> 8, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, ...index, 3, 16, 0, 0, 0, 0, 0, 0, ...attrs]);
}

const jsonBigInt = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
const name = (text: string): number[] => [...Buffer.from(text), 0];

describe('link states read from frames', () => {
  it('are the states toLinkState makes of the decoded message, for every captured link frame', () => {
    expect(frames.length).toBeGreaterThan(5);
    for (const { frame, message } of frames) {
      const scanned = expectSameWays(frame);
      expect('state' in scanned).toBe(true);
      const state = linkStateOfFrame(frame.slice());
      const expected = toLinkState(message.body);
      expect(state).toStrictEqual(expected);
      expect(Object.keys(state)).toEqual(Object.keys(expected));
      expect(JSON.stringify(state, jsonBigInt)).toBe(JSON.stringify(expected, jsonBigInt));
      expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
      expect(structuredClone(state)).toStrictEqual(structuredClone(expected));
      expect({ ...state }).toStrictEqual({ ...expected });
      expect(encodeMessage({ ...message, body: state.raw })).toEqual(encodeMessage(message));
    }
  });

  it('agree with the summary on built frames: repeats, odd widths, unknown types, large and negative numbers, no name, odd addresses', () => {
    const built = [
      rawLink([...attribute(IFLA_IFNAME, name('va1')), ...attribute(IFLA_MTU, [220, 5, 0, 0]), ...attribute(IFLA_MTU, [1, 2]), ...attribute(IFLA_OPERSTATE, [6]), ...attribute(IFLA_OPERSTATE, [6, 6])]),
      rawLink([...attribute(IFLA_MTU, [1, 2]), ...attribute(IFLA_IFNAME, name('va1'))]),
      rawLink([...attribute(IFLA_IFNAME, name('va1')), ...attribute(IFLA_OPERSTATE, [])]),
      rawLink([...attribute(IFLA_MASTER, [0, 0, 0, 0]), ...attribute(IFLA_LINK, [7, 0, 0, 0]), ...attribute(IFLA_LINK_NETNSID, [255, 255, 255, 255]), ...attribute(IFLA_OPERSTATE, [9])]),
      rawLink([...attribute(IFLA_MASTER, [3, 0, 0, 0, 0]), ...attribute(IFLA_LINK, [8, 0, 0, 0])]),
      rawLink([...attribute(IFLA_LINK, [255, 255, 255, 255]), ...attribute(IFLA_LINK_NETNSID, [1, 0])], [255, 255, 255, 255]),
      rawLink([...attribute(IFLA_LINK, [0, 0, 0, 128]), ...attribute(IFLA_MASTER, [0, 0, 0, 128])], [0, 0, 0, 128]),
      rawLink([...attribute(IFLA_ADDRESS, []), ...attribute(IFLA_ADDRESS, [1, 2, 3, 4, 5, 6])]),
      rawLink([...attribute(IFLA_ADDRESS, Array.from({ length: 40 }, (_, i) => i)), ...attribute(IFLA_IFNAME, name('wé'))]),
      rawLink([...attribute(IFLA_IFNAME, [118, 97]), ...attribute(IFLA_IFNAME | 0x8000, name('other')), ...attribute(200, [1, 2, 3]), ...attribute(63, [])]),
      rawLink([...attribute(IFLA_LINKINFO, attribute(2, [1, 2, 3, 4])), ...attribute(IFLA_LINKINFO, attribute(1, name('veth')))]),
      rawLink([...attribute(IFLA_LINKINFO, [...attribute(1, name('veth')), ...attribute(1, name('bridge'))])]),
      rawLink([...attribute(IFLA_LINKINFO, [2, 0, 1, 0])]),
      rawLink([...attribute(IFLA_LINKINFO, [1, 0])]),
      rawLink([...attribute(IFLA_IFNAME, name('va1')), 3, 0]),
      rawLink([...attribute(IFLA_IFNAME, name('va1')), 40, 0, 3, 0]),
      rawLink([...attribute(IFLA_IFNAME, name('va1'))], undefined, RTM_NEWROUTE),
      rawLink([]).slice(0, 28),
      rawLink([...attribute(IFLA_IFNAME, name('va1')), ...attribute(IFLA_MTU | 0x4000, [1, 0, 0, 0]), ...attribute(IFLA_OPERSTATE | 0xc000, [6, 6])]),
      rawLink([...attribute(IFLA_MTU | 0x8000, [0, 1, 0, 0]), ...attribute(IFLA_LINK | 0x4000, [3, 0, 0, 0]), ...attribute(IFLA_OPERSTATE | 0x8000, [2])]),
    ];
    const outcomes = built.map(expectSameWays);
    expect(outcomes.filter((o) => 'state' in o).length).toBeGreaterThan(7);
    expect(outcomes.filter((o) => 'error' in o).length).toBeGreaterThan(4);
    expect(outcomes[0]).toMatchObject({ fields: { name: 'va1', mtu: 1500, operstate: 'up', index: 7, flags: 0x1003, up: true } });
    expect(outcomes[3]).toMatchObject({ fields: { linkNetnsid: -1, operstate: 'unknown(9)' } });
    expect('state' in outcomes[3]! && outcomes[3].fields).not.toHaveProperty('master');
    expect('state' in outcomes[3]! && outcomes[3].fields).not.toHaveProperty('parent');
    expect(outcomes[6]).toMatchObject({ fields: { index: -(2 ** 31), parent: 2 ** 31, master: 2 ** 31 } });
    expect(outcomes[11]).toMatchObject({ fields: { kind: 'veth' } });
    // Types with NLA_F_NESTED or NLA_F_NET_BYTEORDER set are the same attributes.
    expect(outcomes[18]).toHaveProperty('error');
    expect(outcomes[19]).toMatchObject({ fields: { mtu: 256, parent: 3, operstate: 'down' } });
  });

  it('agree with the summary on every truncation and on random changes of every captured link frame', () => {
    expect(checkDamagedFrames(frames, 7, 40, 23, expectSameWays)).toBeGreaterThan(100);
  });

  it('decode raw once, share it with copies, and show it to spread, JSON and util.inspect with getters', () => {
    const { frame, message } = frames[0]!;
    const state = linkStateOfFrame(frame.slice());
    const copy = copyLinkState(state);
    expect(Object.getOwnPropertyDescriptor(copy, 'raw')?.get).toBeTypeOf('function');
    expect(Object.keys(copy)).toEqual(Object.keys(state));
    const raw = copy.raw;
    expect(raw).toEqual(message.body);
    expect(state.raw).toBe(raw);
    expect(copy.raw).toBe(raw);
    expect({ ...state }.raw).toBe(raw);
    expect(JSON.parse(JSON.stringify(state, jsonBigInt))).toHaveProperty('raw.index', message.body.index);
    expect(inspect(state)).toContain('raw: [Getter]');
    expect(inspect(state, { getters: true })).toContain(`name: '${message.body.attrs.ifname}'`);
    expect(Object.getOwnPropertySymbols(state)).toEqual([]);
  });
});
