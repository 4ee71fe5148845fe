import { NLM_F_ACK } from '../../messages/constants.js';
import { decodeMessages, encodeMessages, type NetlinkMessage } from '../../messages/message.js';
import type { EventTransport, SendOptions } from '../../lib/transport.js';

/**
 * A kernel made of a function: it gets each request the connection sends and returns the
 * datagrams to answer with (each an array of messages), delivered asynchronously in order.
 */
export type FakeKernelHandler = (request: NetlinkMessage, datagram: Uint8Array) => NetlinkMessage[][] | NetlinkMessage[] | void;

export interface FakeTransport extends EventTransport {
  /** 0 (unknown) unless a test sets it. */
  port: number;
  /** Multicast groups joined, in order. */
  readonly groups: number[];
  /** Every datagram sent, as bytes. */
  readonly sent: Uint8Array[];
  /** The options each datagram was sent with (undefined when none). */
  readonly sendOptions: Array<SendOptions | undefined>;
  /** Every request sent, decoded. */
  readonly requests: NetlinkMessage[];
  /** Pushes a datagram to the connection as if the kernel sent it unprompted. */
  deliver(messages: NetlinkMessage[]): void;
  /** Raises a socket error, e.g. { code: 'ENOBUFS' }. */
  fail(error: Error & { code?: string }): void;
  closed: boolean;
  refs: number;
}

/**
 * `synchronous`: like the real request socket, the answers are delivered within send() (each
 * datagram's answers before it returns), and the transport says so (answersWithinSend).
 * `readsUntilEmpty` (with `synchronous`): the transport says so too (Transport.readsUntilEmpty),
 * and, like the kernel, drops the handler's success ACK (error 0) for a request sent without
 * NLM_F_ACK. `deferQuiet`: a send marked quiet is not made at once but after a macrotask, with
 * NLM_F_ACK set again (SendOptions.quiet), and send() returns a promise.
 */
export function fakeKernel(handler: FakeKernelHandler, options: { synchronous?: boolean; readsUntilEmpty?: boolean; deferQuiet?: boolean } = {}): FakeTransport {
  let onDatagram: (d: Uint8Array) => void = () => {};
  let delivering = false;
  const deliver = (messages: NetlinkMessage[]): void => {
    delivering = true;
    try {
      onDatagram(encodeMessages(messages));
    } finally {
      delivering = false;
    }
  };
  let onError: (e: Error & { code?: string }) => void = () => {};
  const answerOf = (request: NetlinkMessage, datagram: Uint8Array): NetlinkMessage[][] => {
    const answer = handler(request, datagram) ?? [];
    const datagrams = (answer.length > 0 && Array.isArray(answer[0]) ? answer : [answer]) as NetlinkMessage[][];
    if (options.readsUntilEmpty !== true || (request.flags & NLM_F_ACK) !== 0) return datagrams;
    const isAck = (m: NetlinkMessage) => m.kind === 'error' && m.seq === request.seq && m.body.error === 0;
    return datagrams.map((messages) => messages.filter((m) => !isAck(m)));
  };
  const transport: FakeTransport = {
    port: 0,
    answersWithinSend: options.synchronous === true,
    readsUntilEmpty: options.readsUntilEmpty === true,
    groups: [],
    addMembership(group) {
      transport.groups.push(group);
    },
    dropMembership(group) {
      transport.groups.splice(transport.groups.indexOf(group), 1);
    },
    sent: [],
    sendOptions: [],
    requests: [],
    closed: false,
    refs: 0,
    send(datagram, sendOptions) {
      if (transport.closed) throw new Error('fake socket closed');
      if (options.deferQuiet === true && sendOptions?.quiet === true) {
        const copy = datagram.slice();
        copy[6]! |= NLM_F_ACK;
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            transport.send(copy);
            resolve();
          }),
        );
      }
      transport.sent.push(datagram.slice());
      transport.sendOptions.push(sendOptions);
      // The real socket reads answers within its send: sending again from a listener would reorder them.
      if (delivering) throw new Error('fake socket: send() from within a listener');
      const answers: NetlinkMessage[][] = [];
      for (const request of decodeMessages(datagram)) {
        transport.requests.push(request);
        for (const messages of answerOf(request, datagram)) if (messages.length > 0) answers.push(messages);
      }
      for (const messages of answers) {
        if (options.synchronous === true) deliver(messages);
        else setImmediate(() => !transport.closed && onDatagram(encodeMessages(messages)));
      }
      return undefined;
    },
    deliver(messages) {
      onDatagram(encodeMessages(messages));
    },
    fail(error) {
      onError(error);
    },
    onDatagram(listener) {
      onDatagram = listener;
    },
    onError(listener) {
      onError = listener;
    },
    ref() {
      transport.refs = 1;
    },
    unref() {
      transport.refs = 0;
    },
    close() {
      transport.closed = true;
    },
  };
  return transport;
}

/** The ACK (error 0) the kernel sends for `request`. */
export function ack(request: NetlinkMessage, error = 0, msg?: string): NetlinkMessage {
  return {
    kind: 'error',
    type: 2,
    flags: 0x100 | (msg ? 0x200 : 0),
    seq: request.seq,
    pid: 4242,
    body: {
      error,
      request: { len: 16, type: request.type, flags: request.flags, seq: request.seq, pid: request.pid },
      ...(msg ? { ext: { msg } } : {}),
    },
  };
}

export function done(request: NetlinkMessage, error = 0): NetlinkMessage {
  return { kind: 'done', type: 3, flags: 0x2, seq: request.seq, pid: 4242, body: { error } };
}
