import { NLM_F_CREATE, RTM_DELLINK, RTM_NEWLINK, messageTypeName } from '../messages/constants.js';
import { decodeMessages, writeMessage, type MessageHeader, type NetlinkMessage } from '../messages/message.js';

import type { Writer } from '../messages/writer.js';
import { summarize } from './summary.js';

/**
 * The messages a Connection speaks. NLMSG_ERROR and NLMSG_DONE are read by the connection itself
 * (they are the same in every family); the codec decodes replies and notifications.
 */
export interface MessageCodec<M extends MessageHeader> {
  /** The messages of one received datagram. */
  decode(datagram: Uint8Array): M[];
  /** Appends `message`, nlmsghdr included. */
  write(w: Writer, message: M): void;
  /** Kernel name of a message type, for errors and logs. */
  typeName(type: number): string;
  /** Whether request() of this type waits for a reply (a GET) rather than an ACK. */
  isGet(type: number): boolean;
  /**
   * Whether the kernel takes long over such a request (see SendOptions.slow in transport.ts):
   * 'brief' for a few ms (creating a device), 'long' for tens (deleting one waits for RCU), else
   * false. A 'long' request is sent from a worker thread so that JavaScript runs meanwhile; a
   * 'brief' one is too only when its datagram carries another slow request. One creation, alone or
   * packed with lookups and quick changes, goes from this thread: the hand-off to a worker would
   * cost a good part of the wait it spares, and the changes this thread sends on other sockets
   * meanwhile would only wait for the RTNL lock the creation holds, keeping the second CPU busy
   * while the creation waits for its RCU grace periods.
   */
  isSlow?(type: number, flags: number): false | 'brief' | 'long';
  /** One line per message for trace logs. */
  summarize?(message: M): string;
}

/**
 * A change written straight into the connection's send buffer, without a message object: `write`
 * checks `subject` (throwing InvalidArgumentError) and appends one whole message, nlmsghdr included,
 * with the flags the change needs (NLM_F_CREATE ...); the sequence number and NLM_F_REQUEST and
 * NLM_F_ACK are the connection's to set.
 */
export interface RequestWriter<T> {
  /** The operation's first words in errors, e.g. 'RTM_NEWROUTE'. */
  readonly operation: string;
  /** Checks `subject` and appends its whole message. */
  write(w: Writer, subject: T): void;
  /** The operation in words, for errors; called only when one is made. Default: `operation`. */
  describe?(subject: T): string;
  /**
   * Every message it writes is a plain change: no NLM_F_ECHO, and never slow (MessageCodec.isSlow
   * false). A lone one then takes the request path's quick lane (RequestPath.change).
   */
  readonly plain?: boolean;
  /**
   * For a caller that rethrows a failure itself (Connection.change's `rethrows` false): once the
   * kernel applied a change that waited for its answer, what its promise resolves with (called
   * then, as the answer is read, with the change's subject: the caller's update made there). Its
   * failure is then rethrown by the promise itself, with the stack of the code awaiting it. A
   * change applied within the call still gives APPLIED. Needs the writer's own operation (no
   * RequestOptions.operation). Likewise for a request whose answer is wanted (Connection.requestWritten
   * with `rethrows` false), given its replies too: it must not throw (it runs as the answer is read).
   */
  applied?(subject: T, replies?: unknown[]): unknown;
  /**
   * With applied(): the error a failure of the request is reported with (default: its own), called
   * as the failure is known, before it is rethrown at the caller.
   */
  refused?(subject: T, error: Error): Error;
}

/** RTM_GET* types are 2 modulo 4 (RTM_GETLINK 18, RTM_GETADDR 22, ..., RTM_GETNSID 90). */
function isGet(type: number): boolean {
  return type >= 16 && (type & 3) === 2;
}

/**
 * Creating a device (a veth pair: 1-2 ms of the kernel's time, most of it registering both ends in
 * sysfs and sysctl) or deleting one (which waits for RCU). Setting or reading links, addresses and
 * routes takes microseconds: a worker thread would only add its hand-off.
 */
function isSlow(type: number, flags: number): false | 'brief' | 'long' {
  return type === RTM_NEWLINK && (flags & NLM_F_CREATE) !== 0 ? 'brief' : type === RTM_DELLINK ? 'long' : false;
}

/** rtnetlink framing: the default codec of a Connection. */
export const RTNETLINK: MessageCodec<NetlinkMessage> = {
  decode: decodeMessages,
  write: writeMessage,
  typeName: messageTypeName,
  isGet,
  isSlow,
  summarize,
};
