import { describe, expect, it } from 'vitest';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_DONE, NLMSG_ERROR, RTM_NEWLINK } from '../../messages/constants.js';
import { beginFrame, endFrame } from '../../messages/framing.js';
import { decodeMessages, encodeMessages } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';

// What the decoder accepts, the encoder writes back: the same bytes, decoding to the same messages.

function frame(type: number, flags: number, body: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  const start = beginFrame(w, type, flags, 7, 0);
  body(w);
  endFrame(w, start);
  return w.finish();
}

function roundTrips(bytes: Uint8Array): void {
  const messages = decodeMessages(bytes);
  expect(encodeMessages(messages)).toEqual(bytes);
}

describe('decoder and encoder agree', () => {
  it('an NLMSG_ERROR whose error is any int, positive included (the decoder reads an int)', () => {
    for (const error of [0, -17, 5, 0x7fffffff, -0x80000000]) {
      const echoed = (w: Writer) => {
        w.s32(error);
        w.u32(16); // the echoed nlmsghdr, no payload
        w.u16(RTM_NEWLINK);
        w.u16(5);
        w.u32(7);
        w.u32(0);
      };
      roundTrips(frame(NLMSG_ERROR, 0, echoed));
      roundTrips(frame(NLMSG_ERROR, NLM_F_CAPPED, echoed));
      roundTrips(frame(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, echoed));
    }
  });

  it('an NLMSG_DONE whose status is any int', () => {
    for (const status of [0, -16, 3, 0x7fffffff, -0x80000000]) roundTrips(frame(NLMSG_DONE, 2, (w) => w.s32(status)));
  });
});
