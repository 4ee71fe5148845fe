import type { BodyCodec } from '../body.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_HDRLEN } from '../constants.js';
import { decodeAttributes, encodeAttributes } from '../attributes/walk.js';
import { describe } from '../attributes/scalars.js';
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
 * struct nlmsgerr: `error` is 0 for an ACK or a negative errno. The echoed request payload is
 * present unless the message carries NLM_F_CAPPED; `ext` holds the extended-ACK attributes when it
 * carries NLM_F_ACK_TLVS.
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

function checkErrno(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value > 0 || value < -0x80000000) {
    throw new RangeError(`${field}: ${describe(value)} is not 0 or a negative errno`);
  }
  return value;
}

export const errorBody: BodyCodec<ErrorBody> = {
  decode(src, start, end, flags) {
    src.expectAtLeast(start, end, 4 + NLMSG_HDRLEN, 'struct nlmsgerr');
    const v = src.view;
    const h = start + 4;
    const request: EchoedHeader = {
      len: v.getUint32(h, true),
      type: v.getUint16(h + 4, true),
      flags: v.getUint16(h + 6, true),
      seq: v.getUint32(h + 8, true),
      pid: v.getUint32(h + 12, true),
    };
    const body: ErrorBody = { error: v.getInt32(start, true), request };
    let at = h + NLMSG_HDRLEN;
    if (!(flags & NLM_F_CAPPED) && request.len > NLMSG_HDRLEN) {
      const payloadLen = request.len - NLMSG_HDRLEN;
      if (at + payloadLen > end) throw src.error(h, `echoed request of ${request.len} bytes overruns the error message`);
      body.requestPayload = src.bytes.slice(at, at + payloadLen);
      at += (payloadLen + 3) & ~3;
    }
    if (flags & NLM_F_ACK_TLVS) {
      src.path.push('extended ACK');
      body.ext = decodeAttributes(extAckAttributes, src, Math.min(at, end), end);
      src.path.pop();
    }
    return body;
  },
  encode(w, body, field, flags) {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || ArrayBuffer.isView(body)) throw new TypeError(`${field}: expected an nlmsgerr body object, got ${describe(body)}`);
    w.s32(checkErrno(body.error, `${field}.error`));
    const r = body.request;
    if (typeof r !== 'object' || r === null || Array.isArray(r) || ArrayBuffer.isView(r)) throw new TypeError(`${field}.request: expected the echoed request header`);
    const payload = flags & NLM_F_CAPPED ? undefined : body.requestPayload;
    if (flags & NLM_F_CAPPED && body.requestPayload !== undefined && body.requestPayload !== null) {
      throw new RangeError(`${field}.requestPayload: given, but NLM_F_CAPPED in the message flags says only the header is echoed`);
    }
    if (payload !== undefined && payload !== null && !(payload instanceof Uint8Array)) throw new TypeError(`${field}.requestPayload: expected a Uint8Array`);
    const echoed = (name: keyof EchoedHeader, max: number, fallback: number): number => {
      const x = r[name] ?? fallback;
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${field}.request.${name}: expected an integer, got ${describe(x)}`);
      if (x < 0 || x > max) throw new RangeError(`${field}.request.${name}: ${x} is out of range 0..${max}`);
      return x;
    };
    const len = echoed('len', 0xffffffff, NLMSG_HDRLEN + (payload?.length ?? 0));
    // Without NLM_F_CAPPED the echoed length must be what follows: the header and the payload.
    if (!(flags & NLM_F_CAPPED) && len !== NLMSG_HDRLEN + (payload?.length ?? 0) && !(len <= NLMSG_HDRLEN && !payload)) {
      throw new RangeError(`${field}.request.len: ${len} does not match the ${NLMSG_HDRLEN + (payload?.length ?? 0)} bytes echoed (set NLM_F_CAPPED to echo only the header)`);
    }
    w.u32(len);
    w.u16(echoed('type', 0xffff, 0));
    w.u16(echoed('flags', 0xffff, 0));
    w.u32(echoed('seq', 0xffffffff, 0));
    w.u32(echoed('pid', 0xffffffff, 0));
    if (payload) {
      w.bytes(payload);
      w.align();
    }
    if (body.ext !== undefined && body.ext !== null) {
      if (!(flags & NLM_F_ACK_TLVS)) throw new RangeError(`${field}.ext: extended ACK attributes need NLM_F_ACK_TLVS (0x200) in the message flags`);
      encodeAttributes(extAckAttributes, w, body.ext, `${field}.ext`);
    }
  },
};

export const doneBody: BodyCodec<DoneBody> = {
  decode(src, start, end, flags) {
    src.expectAtLeast(start, end, 4, 'NLMSG_DONE status');
    const body: DoneBody = { error: src.view.getInt32(start, true) };
    if (flags & NLM_F_ACK_TLVS) {
      src.path.push('extended ACK');
      body.ext = decodeAttributes(extAckAttributes, src, start + 4, end);
      src.path.pop();
    }
    return body;
  },
  encode(w, body, field, flags) {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || ArrayBuffer.isView(body)) throw new TypeError(`${field}: expected an NLMSG_DONE body object, got ${describe(body)}`);
    w.s32(checkErrno(body.error, `${field}.error`));
    if (body.ext !== undefined && body.ext !== null) {
      if (!(flags & NLM_F_ACK_TLVS)) throw new RangeError(`${field}.ext: extended ACK attributes need NLM_F_ACK_TLVS (0x200) in the message flags`);
      encodeAttributes(extAckAttributes, w, body.ext, `${field}.ext`);
    }
  },
};
