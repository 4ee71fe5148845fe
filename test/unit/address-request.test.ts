import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELADDR, RTM_NEWADDR, RTM_NEWLINK } from '../../messages/constants.js';
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE, RT_SCOPE_LINK } from '../../messages/address/constants.js';
import { IFF_PROMISC, IFF_UP } from '../../messages/link/index.js';
import { encodeMessage, type NetlinkMessage } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { checkAddress, writeAddress, type AddressKind } from '../../lib/rtnl/address-request.js';
import { planAddress, planSetLink } from '../../lib/rtnl/changes.js';
import type { AddAddressOptions } from '../../lib/rtnl/addresses.js';
import type { LinkChanges } from '../../lib/rtnl/links.js';

function written(kind: AddressKind, cidr: string, options?: AddAddressOptions): Uint8Array {
  const request = checkAddress(kind, 7, cidr, options);
  request.index = 7;
  const w = new Writer(64);
  writeAddress(w, request);
  return w.buffer.slice(0, w.length);
}

/** The same request as a message object, encoded by the generic codec. */
function address(type: number, flags: number, header: { family: number; prefixlen: number; flags?: number; scope?: number }, attrs: object): Uint8Array {
  const message = { kind: 'address', type, flags, seq: 0, pid: 0, body: { flags: 0, scope: 0, ...header, index: 7, attrs } };
  return encodeMessage(message as NetlinkMessage);
}

describe('address changes written straight to bytes', () => {
  const add = NLM_F_CREATE | NLM_F_EXCL;
  it('writes what the generic codec writes for the same address', () => {
    expect(written('add', '10.0.0.1/24')).toEqual(address(RTM_NEWADDR, add, { family: AF_INET, prefixlen: 24 }, { address: '10.0.0.1', local: '10.0.0.1' }));
    expect(written('add', '10.0.0.1/30', { broadcast: '+', label: 'eth0:1', metric: 5, scope: 'link' })).toEqual(
      address(RTM_NEWADDR, add, { family: AF_INET, prefixlen: 30, scope: RT_SCOPE_LINK }, { address: '10.0.0.1', local: '10.0.0.1', label: 'eth0:1', broadcast: '10.0.0.3', rtPriority: 5 }),
    );
    expect(written('add', '10.0.0.1/32', { peer: '10.0.0.2', replace: true })).toEqual(
      address(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, { family: AF_INET, prefixlen: 32 }, { address: '10.0.0.2', local: '10.0.0.1' }),
    );
    const flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
    expect(written('add', 'fd00::1/64', { noDad: true, noPrefixRoute: true })).toEqual(
      address(RTM_NEWADDR, add, { family: AF_INET6, prefixlen: 64, flags: flags & 0xff }, { address: 'fd00::1', local: 'fd00::1', flags }),
    );
    // A delete is matched by the address (and a peer) alone: the other options are not sent.
    expect(written('delete', '10.0.0.1/24', { metric: 3, scope: 'link' })).toEqual(address(RTM_DELADDR, 0, { family: AF_INET, prefixlen: 24 }, { address: '10.0.0.1', local: '10.0.0.1' }));
  });

  it('reads a prefix written unusually as the prefix parser does', () => {
    expect(written('add', '10.0.0.1/024')).toEqual(written('add', '10.0.0.1/24'));
    expect(written('add', '::ffff:10.0.0.1/120')).toEqual(address(RTM_NEWADDR, add, { family: AF_INET6, prefixlen: 120 }, { address: '::ffff:10.0.0.1', local: '::ffff:10.0.0.1' }));
    expect(() => written('add', '010.0.0.1/24')).toThrow(/invalid address part/);
    expect(() => written('add', '10.0.0.1/33')).toThrow(/prefix length/);
    expect(() => written('add', '10.0.0.1')).toThrow(/no prefix length/);
    expect(() => written('add', 'fd00::1/64', { broadcast: '+' })).toThrow(/only for IPv4/);
    expect(() => written('add', '10.0.0.1/32', { peer: 'fd00::2' })).toThrow(/is IPv6 but the address is IPv4/);
  });

  it('names the change in errors as before, the device by its name', () => {
    const planned = planAddress('add', { index: 4, name: 'veth0' } as never, '10.0.0.1/24');
    expect(planned.writer.describe?.(planned.subject)).toBe('RTM_NEWADDR 10.0.0.1/24 dev veth0');
  });
});

describe('link flag changes written straight to bytes', () => {
  const link = (flags: number, change: number) =>
    encodeMessage({ kind: 'link', type: RTM_NEWLINK, flags: 0, seq: 0, pid: 0, body: { family: AF_UNSPEC, type: 0, index: 3, flags, change, attrs: {} } });
  const bytes = (changes: LinkChanges) => {
    const planned = planSetLink(3, changes);
    const w = new Writer(64);
    planned.writer.write(w, planned.subject);
    return w.buffer.slice(0, w.length);
  };
  it('writes ifinfomsg flags and change mask as the generic codec does', () => {
    expect(bytes({ up: true })).toEqual(link(IFF_UP, IFF_UP));
    expect(bytes({ up: false })).toEqual(link(0, IFF_UP));
    expect(bytes({ up: true, promisc: false })).toEqual(link(IFF_UP, IFF_UP | IFF_PROMISC));
    expect(() => bytes({ up: 'yes' as never })).toThrow(/up: "yes" is not true or false/);
  });
});
