import { describe, expect, it } from 'vitest';
import { attributeLength } from '../../messages/attributes/walk.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { decodeErrorFrom } from '../helpers/codec-checks.js';
import { decodeLinkSummary } from '../../messages/link/index.js';
import { decodeMessages } from '../../messages/message.js';
import { Source } from '../../messages/source.js';
import { actionList } from '../../messages/tc/actions.js';

// Every walk over an attribute set (decodeAttributes, decodeLinkSummary, the tc action list) checks
// its headers with attributeLength, which words a refusal the same way for all of them.

/** An RTM_NEWLINK frame: nlmsghdr, a zeroed ifinfomsg, then `attrs` (attributes start at byte 32). */
function link(attrs: number[]): Uint8Array {
  const b = new Uint8Array(32 + attrs.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint16(4, 16, true); // RTM_NEWLINK
  b.set(attrs, 32);
  return b;
}

describe('attributeLength', () => {
  const set = new DataView(Uint8Array.of(8, 0, 3, 0, 0x61, 0, 0, 0, 5, 0, 1, 0, 7).buffer);
  const at = { error: (offset: number, reason: string) => new NetlinkDecodeError('SET', offset, reason) };
  const refusal = (fn: () => unknown) => {
    const e = decodeErrorFrom(fn);
    return [e.path, e.offset, e.reason];
  };

  it('gives nla_len of a header that fits its set, padding not required at the end', () => {
    expect(attributeLength(set, 0, set.byteLength, at, 'attribute')).toBe(8);
    expect(attributeLength(set, 8, set.byteLength, at, 'attribute')).toBe(5);
  });

  it('throws at.error for fewer than 4 bytes, nla_len below 4 or past the end, naming the member and the parent', () => {
    expect(refusal(() => attributeLength(set, 8, 11, at, 'X attribute'))).toEqual(['SET', 8, '3 trailing bytes after the last X attribute']);
    expect(refusal(() => attributeLength(set, 0, 7, at, 'attribute'))).toEqual(['SET', 0, 'nla_len 8 overruns its parent by 1 bytes']);
    expect(refusal(() => attributeLength(set, 0, 7, at, 'action', 'the action list'))).toEqual(['SET', 0, 'nla_len 8 overruns the action list by 1 bytes']);
    const short = new DataView(Uint8Array.of(3, 0, 1, 0).buffer);
    expect(refusal(() => attributeLength(short, 0, 4, at, 'attribute'))).toEqual(['SET', 0, 'nla_len 3 is below the 4-byte attribute header']);
  });
});

describe('every attribute walk refuses a bad header with the same offset and words', () => {
  // IFLA_LINKINFO (18) holding IFLA_INFO_KIND "veth" (the nested cases cut or stretch it)
  const kind = [8, 0, 1, 0, 0x76, 0x65, 0x74, 0x68];
  const cases: Array<[string, number[], string, number, string]> = [
    ['nla_len below the header', [2, 0, 3, 0], 'RTM_NEWLINK', 32, 'nla_len 2 is below the 4-byte attribute header'],
    ['nla_len past the frame', [8, 0, 4, 0, 0, 0, 0, 0, 12, 0, 3, 0, 0x61, 0, 0, 0, 0], 'RTM_NEWLINK', 40, 'nla_len 12 overruns its parent by 3 bytes'],
    ['trailing bytes', [8, 0, 4, 0, 0, 0, 0, 0, 1, 2], 'RTM_NEWLINK', 40, '2 trailing bytes after the last IFLA attribute'],
    ['nested nla_len past its parent', [12, 0, 18, 0, 9, ...kind.slice(1)], 'RTM_NEWLINK > IFLA_LINKINFO', 36, 'nla_len 9 overruns its parent by 1 bytes'],
    ['nested nla_len below the header', [16, 0, 18, 0, ...kind, 1, 0, 2, 0], 'RTM_NEWLINK > IFLA_LINKINFO', 44, 'nla_len 1 is below the 4-byte attribute header'],
    ['nested trailing bytes', [15, 0, 18, 0, ...kind, 7, 7, 7, 0], 'RTM_NEWLINK > IFLA_LINKINFO', 44, '3 trailing bytes after the last IFLA_INFO attribute'],
  ];

  it.each(cases)('%s: decodeMessages and decodeLinkSummary alike', (_what, attrs, path, offset, reason) => {
    const frame = link(attrs);
    const full = decodeErrorFrom(() => decodeMessages(frame));
    expect([full.path, full.offset, full.reason]).toEqual([path, offset, reason]);
    const summary = decodeErrorFrom(() => decodeLinkSummary(frame));
    expect([summary.path, summary.offset, summary.reason]).toEqual([path, offset, reason]);
  });

  it('the tc action list', () => {
    const decode = (bytes: number[]) => actionList.decode(new Source(Uint8Array.from(bytes)), 0, bytes.length, {});
    expect(decode([])).toEqual([]);
    const over = decodeErrorFrom(() => decode([8, 0, 1, 0, 0, 0]));
    expect([over.offset, over.reason]).toEqual([0, 'nla_len 8 overruns the action list by 2 bytes']);
    const below = decodeErrorFrom(() => decode([0, 0, 1, 0]));
    expect([below.offset, below.reason]).toEqual([0, 'nla_len 0 is below the 4-byte attribute header']);
    const trailing = decodeErrorFrom(() => decode([4, 0, 1, 0, 9]));
    expect([trailing.offset, trailing.reason]).toEqual([4, '1 trailing bytes after the last action']);
  });
});
