import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { linkStateOfFrame, toLinkState } from '../../lib/rtnl/links.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { NLM_F_MULTI, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { decodeLinkSummary, linkSummaryOf } from '../../messages/link/index.js';
import { decodeMessages, encodeMessage, type LinkMessage } from '../../messages/message.js';
import { hex } from '../helpers/codec-checks.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';
import { linkFrames } from '../helpers/link-frames.js';

const frames = linkFrames();

describe('decodeLinkSummary', () => {
  it('finds link frames among the fixtures', () => {
    expect(frames.length).toBeGreaterThan(5);
  });

  it.each(frames.map((f) => [f.name, f] as const))('%s: the summary equals what decodeMessages gives for the same fields', (_name, { frame, message }) => {
    expect(decodeLinkSummary(frame)).toEqual(linkSummaryOf(message.body));
    // And the LinkState built from it equals the one built from the full decode, raw included.
    expect(linkStateOfFrame(frame)).toEqual(toLinkState(message.body));
  });

  it('throws NetlinkDecodeError, with an offset, at every truncation and for another message type', () => {
    const { frame } = frames.find((f) => f.message.body.attrs.linkinfo !== undefined)!;
    for (let cut = 0; cut < frame.length; cut++) {
      const shorter = frame.slice(0, cut);
      // nlmsg_len still gives the whole length, so every cut must be caught.
      try {
        decodeLinkSummary(shorter);
      } catch (error) {
        expect(error).toBeInstanceOf(NetlinkDecodeError);
        expect((error as NetlinkDecodeError).offset).toBeGreaterThanOrEqual(0);
        continue;
      }
      throw new Error(`a frame cut to ${cut} bytes (nlmsg_len still ${frame.length}) decoded`);
    }
    const other = frame.slice();
    other[4] = RTM_GETLINK;
    expect(() => decodeLinkSummary(other)).toThrow(/is not RTM_NEWLINK/);
    const badAttr = frame.slice();
    new DataView(badAttr.buffer).setUint16(32, 2, true); // the first attribute's nla_len below its header
    expect(() => decodeLinkSummary(badAttr)).toThrow(NetlinkDecodeError);
  });

  it('reads only the first IFLA_LINKINFO, as decodeMessages does (a repeat is kept as unknown): found by the fuzzer', () => {
    // Two IFLA_LINKINFO; in the first, IFLA_INFO_KIND's type has a stray bit (0x1001), so only the
    // second, which decodeMessages does not read, names a kind.
    const frame = hex(
      '8000000010000506ee230a6b000000000000000000000000000000000000000007000300766100002c0012000800011076657468200002001c0001000000000000000000000000000000000007000300766200002c0012000800010076657468200002001c000100000000000000000000000000000000000700030076620000',
    );
    const [message] = decodeMessages(frame) as LinkMessage[];
    expect(message!.body.attrs.linkinfo?.kind).toBeUndefined();
    expect(decodeLinkSummary(frame)).toEqual(linkSummaryOf(message!.body));
    expect(decodeLinkSummary(frame).kind).toBeUndefined();
  });

  it('reads `raw` only when asked, and caches it', () => {
    const { frame, message } = frames[0]!;
    const state = linkStateOfFrame(frame);
    expect(Object.getOwnPropertyDescriptor(state, 'raw')?.get).toBeTypeOf('function');
    expect(state.raw).toEqual(message.body);
    expect(state.raw).toBe(state.raw);
  });
});

describe('Connection: undecodedReplies', () => {
  it('hands the reply on as its frame, and decodes ACKs and errors as usual', async () => {
    const { frame, message } = frames[0]!;
    const kernel = fakeKernel((request) => {
      if (request.type === RTM_GETLINK) return [{ ...message, flags: 0, seq: request.seq, pid: 1 }];
      return [ack(request, request.type === RTM_NEWLINK ? -17 : 0)];
    });
    const connection = new Connection(kernel);
    const rtnl = new Rtnl(connection);
    const state = await rtnl.link(message.body.index);
    expect(state).toEqual(toLinkState(message.body));
    // The frame the fake sent is the same message, but with our seq and pid: compare it re-encoded.
    expect(decodeLinkSummary(encodeMessage({ ...message, seq: 9 }))).toEqual(decodeLinkSummary(frame));
    await expect(connection.request(message)).rejects.toMatchObject({ code: 'EEXIST' });
    connection.close();
  });

  it('leaves other requests in the same datagram decoded', async () => {
    const { message } = frames[0]!;
    let getSeq = 0;
    const kernel = fakeKernel((request) => {
      if (request.type === RTM_GETLINK && getSeq === 0) {
        getSeq = request.seq;
        return [];
      }
      // Answer both GETs in one datagram: the first undecoded, the second decoded.
      return [[{ ...message, flags: NLM_F_MULTI, seq: getSeq, pid: 1 }, { ...message, seq: request.seq, pid: 1 }]];
    });
    const connection = new Connection(kernel);
    const get: LinkMessage = { kind: 'link', type: RTM_GETLINK, flags: 0, seq: 0, pid: 0, body: { family: 0, type: 0, index: message.body.index, flags: 0, change: 0, attrs: {} } };
    const first = connection.requestFrames(get);
    const second = connection.request(get);
    const [[raw], [decoded]] = await Promise.all([first, second]);
    expect(decodeLinkSummary(raw!).index).toBe(message.body.index);
    expect(decoded?.kind).toBe('link');
    connection.close();
  });
});
