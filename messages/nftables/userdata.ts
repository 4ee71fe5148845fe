// NFTA_*_USERDATA is opaque to the kernel. nft and libnftnl fill it with TLVs of one byte type,
// one byte length and the value (<libnftnl/udata.h>); type 0 is the comment of a rule, chain or
// table, a NUL-terminated string that `nft list` prints as `comment "..."`.

import { checkU8, encodeText } from '../checks.js';
import { InvalidArgumentError } from '../errors.js';

/** The userdata type nft stores a rule's comment under (libnftnl's `<libnftnl/udata.h>`). */
export const NFTNL_UDATA_COMMENT = 0;
/** nft refuses longer comments (NFTNL_UDATA_COMMENT_MAXLEN), NUL included. */
export const NFTNL_UDATA_COMMENT_MAXLEN = 128;

/** One TLV of a userdata payload (libnftnl's format: 1-byte type, 1-byte length, value). */
export interface UserdataItem {
  type: number;
  value: Uint8Array;
}

/** The TLVs of a userdata payload, or undefined if it is not in that format. */
export function parseUserdata(data: Uint8Array): UserdataItem[] | undefined {
  const out: UserdataItem[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 2) return undefined;
    const len = data[at + 1]!;
    if (at + 2 + len > data.length) return undefined;
    out.push({ type: data[at]!, value: data.slice(at + 2, at + 2 + len) });
    at += 2 + len;
  }
  return out;
}

/** A userdata payload holding `items`, in the order given. */
export function encodeUserdata(items: readonly UserdataItem[]): Uint8Array {
  const size = items.reduce((n, item) => n + 2 + item.value.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  items.forEach((item, i) => {
    checkU8(item.type, `userdata[${i}].type`);
    if (item.value.length > 255) throw new InvalidArgumentError(`userdata[${i}].value`, item.value, 'is longer than 255 bytes');
    out[at] = item.type;
    out[at + 1] = item.value.length;
    out.set(item.value, at + 2);
    at += 2 + item.value.length;
  });
  return out;
}

/** The comment in a userdata payload, if it has one. */
export function commentOf(data: Uint8Array | undefined): string | undefined {
  if (!data) return undefined;
  const item = parseUserdata(data)?.find((i) => i.type === NFTNL_UDATA_COMMENT);
  if (!item || item.value.length === 0 || item.value[item.value.length - 1] !== 0) return undefined;
  return new TextDecoder().decode(item.value.subarray(0, item.value.length - 1));
}

/** A userdata payload holding just this comment, as nft writes it. */
export function commentUserdata(comment: string, field = 'comment'): Uint8Array {
  const text = encodeText(comment, field, NFTNL_UDATA_COMMENT_MAXLEN - 1, 'a comment');
  const value = new Uint8Array(text.length + 1);
  value.set(text);
  return encodeUserdata([{ type: NFTNL_UDATA_COMMENT, value }]);
}
