import { NLM_F_ECHO, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import type { LinkMessage, NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel, type FakeTransport } from './fake-kernel.js';

/** The RTM_NEWLINK of a link of `kind` the kernel answers a lookup of (or echoes for) link `name`. */
export function newLinkReply(name: string, index: number, seq: number, kind: string): LinkMessage {
  return {
    kind: 'link',
    type: RTM_NEWLINK,
    flags: 0,
    seq,
    pid: 0,
    body: { family: 0, type: 1, index, flags: 0x1002, change: 0, attrs: { ifname: name, mtu: 1500, address: '02:00:00:00:00:0' + String(index), operstate: 2, link: index + 1, linkinfo: { kind } } },
  };
}

/**
 * A kernel that creates links of `kind` (echoing them as index 5 when asked and `echoes`, named
 * `echoName` if given) and answers lookups by name (as index 6).
 */
export function linkKernel(kind: string, echoes: boolean, echoName?: string): FakeTransport {
  return fakeKernel((request: NetlinkMessage) => {
    const m = request as LinkMessage;
    if (m.type === RTM_NEWLINK) {
      const echo = echoes && (m.flags & NLM_F_ECHO) !== 0 ? [[newLinkReply(echoName ?? m.body.attrs.ifname!, 5, m.seq, kind)]] : [];
      return [...echo, [ack(m)]];
    }
    if (m.type === RTM_GETLINK) return [newLinkReply(m.body.attrs.ifname!, 6, m.seq, kind)];
    return [ack(m, -95)];
  }, { synchronous: true });
}
