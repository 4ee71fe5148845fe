import type { BodyCodec } from '../body.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_HDRLEN } from '../constants.js';
import { decodeAttributes, encodeAttributes } from '../attributes/walk.js';
import { checkRecord, checkS32, checkU32 } from '../checks.js';
import { InvalidArgumentError } from '../errors.js';
import { align4, nlmsghdr } from '../framing.js';
import type { Source } from '../source.js';
import type { Writer } from '../writer.js';
import { extAckAttributes, type ExtAckAttrs } from './ext-ack.js';

/** The header of the request an NLMSG_ERROR answers, as the kernel echoes it. */
export interface EchoedHeader {
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/**
 * struct nlmsgerr: `error` is 0 for an ACK or a negative errno (an int: any other value is carried
 * as it is). The echoed request payload is present unless the message carries NLM_F_CAPPED; `ext`
 * holds the extended-ACK attributes when it carries NLM_F_ACK_TLVS.
 */
export interface ErrorBody {
  error: number;
  request: EchoedHeader;
  requestPayload?: Uint8Array;
  ext?: ExtAckAttrs;
}

/** NLMSG_DONE: the dump's final status (0 or a negative errno), and extended-ACK attributes if any. */
export interface DoneBody {
  error: number;
  ext?: ExtAckAttrs;
}

export const errorBody: BodyCodec<ErrorBody> = {
  decode(src, start, end, flags) {
    src.expectAtLeast(start, end, 4 + NLMSG_HDRLEN, 'struct nlmsgerr');
    const h = start + 4;
    const request: EchoedHeader = nlmsghdr.decode(src, h, end);
    const body: ErrorBody = { error: src.view.getInt32(start, true), request };
    let at = h + NLMSG_HDRLEN;
    if (!(flags & NLM_F_CAPPED) && request.len > NLMSG_HDRLEN) {
      const payloadLen = request.len - NLMSG_HDRLEN;
      if (at + payloadLen > end) throw src.error(h, `echoed request of ${request.len} bytes overruns the error message`);
      body.requestPayload = src.bytes.slice(at, at + payloadLen);
      at += align4(payloadLen);
    }
    if (flags & NLM_F_ACK_TLVS) body.ext = decodeExtAck(src, Math.min(at, end), end);
    return body;
  },
  encode(w, value, field, flags) {
    const body = checkRecord(value, field, 'an nlmsgerr body object') as Partial<ErrorBody>;
    // Any int, as the decoder reads it: 0 for an ACK, a negative errno otherwise.
    w.s32(checkS32(body.error, `${field}.error`));
    const r = checkRecord(body.request, `${field}.request`, 'the echoed request header (nlmsghdr fields)');
    const capped = (flags & NLM_F_CAPPED) !== 0;
    const payload = body.requestPayload ?? undefined;
    if (capped && payload !== undefined) {
      throw new InvalidArgumentError(`${field}.requestPayload`, payload, 'is given, but NLM_F_CAPPED in the message flags says only the header is echoed');
    }
    if (payload !== undefined && !(payload instanceof Uint8Array)) throw new InvalidArgumentError(`${field}.requestPayload`, payload, 'is not a Uint8Array');
    const echoed = NLMSG_HDRLEN + (payload?.length ?? 0);
    const len = checkU32(r.len ?? echoed, `${field}.request.len`);
    // Without NLM_F_CAPPED the echoed length says what follows: the header and the payload.
    if (!capped && len !== echoed && !(len <= NLMSG_HDRLEN && !payload)) {
      throw new InvalidArgumentError(`${field}.request.len`, len, `does not match the ${echoed} bytes echoed (set NLM_F_CAPPED to echo only the header)`);
    }
    nlmsghdr.encode(w, { ...(r as Partial<EchoedHeader>), len } as EchoedHeader, `${field}.request`);
    if (payload) {
      w.bytes(payload);
      w.align();
    }
    encodeExtAck(w, body.ext, field, flags);
  },
};

export const doneBody: BodyCodec<DoneBody> = {
  decode(src, start, end, flags) {
    src.expectAtLeast(start, end, 4, 'NLMSG_DONE status');
    const body: DoneBody = { error: src.view.getInt32(start, true) };
    if (flags & NLM_F_ACK_TLVS) body.ext = decodeExtAck(src, start + 4, end);
    return body;
  },
  encode(w, value, field, flags) {
    const body = checkRecord(value, field, 'an NLMSG_DONE body object') as Partial<DoneBody>;
    w.s32(checkS32(body.error, `${field}.error`));
    encodeExtAck(w, body.ext, field, flags);
  },
};

function decodeExtAck(src: Source, start: number, end: number): ExtAckAttrs {
  src.path.push('extended ACK');
  const ext = decodeAttributes(extAckAttributes, src, start, end);
  src.path.pop();
  return ext;
}

function encodeExtAck(w: Writer, ext: ExtAckAttrs | null | undefined, field: string, flags: number): void {
  if (ext === undefined || ext === null) return;
  if (!(flags & NLM_F_ACK_TLVS)) throw new InvalidArgumentError(`${field}.ext`, ext, 'needs NLM_F_ACK_TLVS (0x200) in the message flags (extended ACK attributes)');
  encodeAttributes(extAckAttributes, w, ext, `${field}.ext`);
}
