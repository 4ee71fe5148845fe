/**
 * What the answers to a request cost in the socket's receive buffer, for flow control: the kernel
 * drops what arrives once the queued datagrams' charge passes SO_RCVBUF, and a dropped ACK or
 * error leaves its request's outcome unknown. So every request counts, until it is settled, the
 * most its answers can be charged, and requests wait while the sum would pass the budget.
 *
 * The charge of a datagram is its skb's truesize, not its length: the data area is the message
 * size rounded to 64 bytes plus struct skb_shared_info (320 bytes), allocated from the small-head
 * cache (576 bytes) or else a power-of-two kmalloc bucket, plus struct sk_buff (256 bytes).
 * Measured on Linux 6.18 with /proc/net/netlink: a 36-byte ACK is charged 832 bytes, a 1.5 KB
 * RTM_GETLINK reply 2304, a 16 KB error echoing its request 33024.
 */

const SKB_SHARED_INFO = 320;
const SKB_SMALL_HEAD = 576;
const SK_BUFF = 256;

/** The receive-buffer charge of one datagram whose kernel allocation was `size` bytes. */
export function truesize(size: number): number {
  const data = ((size + 63) & ~63) + SKB_SHARED_INFO;
  if (data <= SKB_SMALL_HEAD) return SKB_SMALL_HEAD + SK_BUFF;
  let bucket = 1024;
  while (bucket < data) bucket *= 2;
  return bucket + SK_BUFF;
}

/**
 * The answer to a change: an ACK, or an error. Sockets run with NETLINK_CAP_ACK, so an error
 * carries the request's header only, plus extended-ACK attributes: the kernel's text (formatted
 * texts are capped at 80 bytes), the bad attribute's offset, a cookie, the missing attribute and
 * a policy, together well under 512 bytes.
 */
export const CHANGE_ANSWER = truesize(512);

/**
 * The reply to a GET for one object (or an echo): allocated from the kernel's estimate of the
 * object's size, a few KB for a link; 8 KB covers the objects this library reads one by one.
 */
export const OBJECT_REPLY = truesize(8192 - SKB_SHARED_INFO);

/**
 * A dump in progress: the kernel fills one datagram of at most 32 KB (allocation included) when
 * the dump starts and one more after each read while the buffer is under half full, so at most
 * two wait at once.
 */
export const DUMP_ANSWERS = 2 * truesize(32768 - SKB_SHARED_INFO);

/**
 * The share of SO_RCVBUF that answers in flight may take: all of it but room for one dump's
 * datagrams, as headroom for an object reply above the estimate.
 */
export function answerBudget(receiveBuffer: number): number {
  return Math.max(16 * 1024, receiveBuffer - DUMP_ANSWERS);
}
