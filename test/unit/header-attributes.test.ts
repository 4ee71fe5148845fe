import { describe, expect, it } from 'vitest';
import { decodeMessages } from '../../messages/message.js';
import { Source } from '../../messages/source.js';
import * as C from '../../messages/struct.js';
import { headerWithAttributes } from '../../messages/fixed-header.js';
import { defineTable, attr } from '../../messages/attributes/table.js';
import { u32 } from '../../messages/attributes/scalars.js';
import { fixtureBytes } from '../helpers/fixtures.js';

describe('a body of a header and attributes', () => {
  it('has the header fields then attrs, made in one object', () => {
    for (const m of decodeMessages(fixtureBytes('codec-route-dump-all'))) {
      if (m.kind !== 'route') continue;
      expect(Object.keys(m.body)).toEqual(['family', 'dstLen', 'srcLen', 'tos', 'table', 'protocol', 'scope', 'type', 'flags', 'attrs']);
    }
  });

  it('keeps non-zero pad bytes in padding, before attrs, and decodes a header declared at run time alike', () => {
    const hdr = C.struct('probe_hdr_with_pad', [C.u8('a'), C.pad('pad1', 1), C.u16('b')], { zeroAbsent: true });
    const table = defineTable('PROBE', [attr(1, 'PROBE_X', 'x', u32)]);
    const body = headerWithAttributes(hdr, table);
    const clean = Uint8Array.of(7, 0, 2, 0, 8, 0, 1, 0, 5, 0, 0, 0);
    expect(Object.keys(body.decode(new Source(clean), 0, clean.length, 0, 0x10))).toEqual(['a', 'b', 'attrs']);
    expect(body.decode(new Source(clean), 0, clean.length, 0, 0x10)).toEqual({ a: 7, b: 2, attrs: { x: 5 } });
    const padded = Uint8Array.of(7, 9, 2, 0, 8, 0, 1, 0, 5, 0, 0, 0);
    const decoded = body.decode(new Source(padded), 0, padded.length, 0, 0x10);
    expect(Object.keys(decoded)).toEqual(['a', 'b', 'padding', 'attrs']);
    expect(decoded.padding).toEqual(Uint8Array.of(9));
  });
});
