import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELADDR, RTM_NEWADDR, RTM_NEWLINK } from '../../messages/constants.js';
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE, RT_SCOPE_LINK } from '../../messages/address/constants.js';
import { IFF_PROMISC, IFF_UP } from '../../messages/link/index.js';
import { encodeMessage, type NetlinkMessage } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { ADDRESS_WRITER, checkAddress, PLAIN_ADDRESS_WRITER, writeAddress, type AddressKind, type PlainAddress } from '../../lib/rtnl/address-request.js';
import { changeAddress, changeAddressOn } from '../../lib/rtnl/apply.js';
import { plainIPv4Address, plainIPv4Prefix } from '../../lib/rtnl/plain-ipv4-prefix.js';
import { SILENT_LOGGER } from '../../lib/log.js';
import type { Connection } from '../../lib/connection.js';
import {
  addressOnIndex, FLAGS_WRITER, LINK_DOWN, LINK_UP, linkFlagChange, planAddress, planSetLink, PROMISC_OFF, PROMISC_ON,
} from '../../lib/rtnl/changes.js';
import type { DeviceRef } from '../../lib/rtnl/routes.js';
import { InvalidArgumentError, parsePrefix } from '../../lib/validate.js';
import { ipv4Number } from '../../messages/attributes/ip-text.js';
import type { AddAddressOptions } from '../../lib/rtnl/addresses.js';
import type { LinkChanges } from '../../lib/rtnl/links.js';
import { Random } from '../helpers/random-source.js';

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

  it('writes an IPv4 address without a label (set in place in one step) as the generic codec does, for every option', () => {
    const v4 = { family: AF_INET, prefixlen: 24 };
    const both = { address: '10.0.0.1', local: '10.0.0.1' };
    expect(written('add', '10.0.0.1/24', { broadcast: '+', metric: 5, scope: 'link' })).toEqual(
      address(RTM_NEWADDR, add, { ...v4, scope: RT_SCOPE_LINK }, { ...both, broadcast: '10.0.0.255', rtPriority: 5 }),
    );
    expect(written('add', '10.0.0.1/24', { broadcast: '10.0.0.200' })).toEqual(address(RTM_NEWADDR, add, v4, { ...both, broadcast: '10.0.0.200' }));
    expect(written('add', '10.0.0.1/24', { noDad: true })).toEqual(address(RTM_NEWADDR, add, { ...v4, flags: IFA_F_NODAD }, both));
    expect(written('add', '10.0.0.1/24', { noPrefixRoute: true, metric: 0 })).toEqual(
      address(RTM_NEWADDR, add, v4, { ...both, flags: IFA_F_NOPREFIXROUTE, rtPriority: 0 }),
    );
    expect(written('add', '10.0.0.1/24', { noDad: true, noPrefixRoute: true, broadcast: '+', metric: 0xffffffff, scope: 'host', replace: true })).toEqual(
      address(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, { ...v4, flags: IFA_F_NODAD, scope: 254 }, { ...both, broadcast: '10.0.0.255', flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE, rtPriority: 0xffffffff }),
    );
    expect(written('add', '192.168.255.254/32', { peer: '192.168.0.1', scope: 'global' })).toEqual(
      address(RTM_NEWADDR, add, { family: AF_INET, prefixlen: 32 }, { address: '192.168.0.1', local: '192.168.255.254' }),
    );
    expect(written('add', '0.0.0.0/0')).toEqual(address(RTM_NEWADDR, add, { family: AF_INET, prefixlen: 0 }, { address: '0.0.0.0', local: '0.0.0.0' }));
    expect(written('delete', '10.0.0.1/32', { peer: '10.0.0.2' })).toEqual(address(RTM_DELADDR, 0, { family: AF_INET, prefixlen: 32 }, { address: '10.0.0.2', local: '10.0.0.1' }));
  });

  it('writes an address at an offset not a multiple of 4 as at one that is (words where aligned, attributes one by one where not)', () => {
    const cases: Array<[AddressKind, string, AddAddressOptions?]> = [
      ['add', '10.100.0.1/30'],
      ['add', '10.0.0.1/24', { broadcast: '+', noPrefixRoute: true, metric: 7, scope: 'link' }],
      ['delete', '10.0.0.1/32', { peer: '10.0.0.2' }],
    ];
    for (const [kind, cidr, options] of cases) {
      const aligned = new Writer(64);
      writeAddress(aligned, checkAddress(kind, 7, cidr, options));
      const shifted = new Writer(64);
      shifted.zeros(2);
      writeAddress(shifted, checkAddress(kind, 7, cidr, options));
      expect(shifted.since(2)).toEqual(aligned.since(0));
      expect(aligned.length).toBe(aligned.since(0).byteLength);
    }
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

describe("Link's own flag changes and address changes on an index (the direct path)", () => {
  const link = (flags: number, change: number) =>
    encodeMessage({ kind: 'link', type: RTM_NEWLINK, flags: 0, seq: 0, pid: 0, body: { family: AF_UNSPEC, type: 0, index: 3, flags, change, attrs: {} } });
  const direct = (dev: DeviceRef, changes: LinkChanges) => {
    const w = new Writer(64);
    FLAGS_WRITER.write(w, linkFlagChange(dev, changes));
    return w.buffer.slice(0, w.length);
  };
  const planned = (dev: DeviceRef, changes: LinkChanges) => {
    const p = planSetLink(dev, changes);
    const w = new Writer(64);
    p.writer.write(w, p.subject);
    return { bytes: w.buffer.slice(0, w.length), words: p.writer.describe?.(p.subject) };
  };
  const veth = { index: 3, name: 'veth0' } as never;

  it('writes a flag change at an offset not a multiple of 4 as at one that is (words where aligned, a DataView where not)', () => {
    for (const changes of [LINK_UP, LINK_DOWN, PROMISC_ON, PROMISC_OFF]) {
      const shifted = new Writer(64);
      shifted.zeros(2);
      FLAGS_WRITER.write(shifted, linkFlagChange(0x7fffffff, changes));
      const aligned = new Writer(64);
      FLAGS_WRITER.write(aligned, linkFlagChange(0x7fffffff, changes));
      expect(shifted.since(2)).toEqual(aligned.since(0));
      expect(aligned.length).toBe(32);
    }
  });

  it('writes each flag change as the generic codec and the planned change do, and names it the same', () => {
    const shapes: Array<[LinkChanges, number, number]> = [
      [LINK_UP, IFF_UP, IFF_UP],
      [LINK_DOWN, 0, IFF_UP],
      [PROMISC_ON, IFF_PROMISC, IFF_PROMISC],
      [PROMISC_OFF, 0, IFF_PROMISC],
    ];
    for (const [changes, flags, change] of shapes) {
      for (const dev of [3, veth]) {
        expect(direct(dev, changes)).toEqual(link(flags, change));
        expect(direct(dev, changes)).toEqual(planned(dev, changes).bytes);
        expect(FLAGS_WRITER.describe?.(linkFlagChange(dev, changes))).toBe(planned(dev, changes).words);
      }
    }
    expect(FLAGS_WRITER.describe?.(linkFlagChange(veth, LINK_UP))).toBe('RTM_NEWLINK set veth0 up true');
    expect(FLAGS_WRITER.describe?.(linkFlagChange(3, PROMISC_OFF))).toBe('RTM_NEWLINK set index 3 promisc false');
  });

  it('refuses a bad index as the planned change does', () => {
    for (const dev of [0, -1, 1.5, { index: 0, name: 'x' }, { name: 'x' }] as never[]) {
      const words = (() => {
        try {
          planSetLink(dev, { up: true });
        } catch (error) {
          return `${(error as Error).constructor.name}: ${(error as Error).message}`;
        }
      })();
      expect(words).toBeDefined();
      expect(() => linkFlagChange(dev, LINK_UP)).toThrow(words!.slice(words!.indexOf(': ') + 2));
      expect(() => linkFlagChange(dev, LINK_UP)).toThrow(InvalidArgumentError);
    }
  });

  it('checks a change given no options as one given empty options', () => {
    for (const kind of ['add', 'delete'] as const) {
      for (const cidr of ['10.0.0.1/24', '10.100.3.254/30', 'fd00::1/64', '::ffff:10.0.0.1/120', '010.0.0.1/24'.slice(1)]) {
        expect(checkAddress(kind, veth, cidr)).toEqual(checkAddress(kind, veth, cidr, {}));
        expect(addressOnIndex(kind, 3, cidr)).toEqual(addressOnIndex(kind, 3, cidr, {}));
        // The plain prefix's request is made by a literal of its own: the same fields in the same order (one shape).
        expect(Object.keys(checkAddress(kind, veth, cidr))).toEqual(Object.keys(checkAddress(kind, veth, cidr, {})));
      }
    }
  });

  it("names a Link's bad index by the field it came in", () => {
    expect(() => addressOnIndex('add', { index: 0, name: 'x' } as never, '10.0.0.1/24')).toThrow(/^dev\.index: /);
    expect(() => linkFlagChange({ index: 1.5 } as never, LINK_UP)).toThrow(/^dev\.index: /);
    expect(() => linkFlagChange(0, LINK_UP)).toThrow(/^dev: /);
  });

  it('writes an address change on an index as the planned change does, for every option shape', () => {
    const shapes: Array<['add' | 'delete', string, AddAddressOptions | undefined]> = [
      ['add', '10.0.0.1/24', undefined],
      ['add', '10.0.0.1/30', { broadcast: '+', label: 'eth0:1', metric: 5, scope: 'link' }],
      ['add', '10.0.0.1/32', { peer: '10.0.0.2', replace: true }],
      ['add', '10.0.0.1/24', { broadcast: '10.0.0.200', noPrefixRoute: true }],
      ['add', 'fd00::1/64', { noDad: true, noPrefixRoute: true, metric: 7 }],
      ['add', '::ffff:10.0.0.1/120', undefined],
      ['delete', '10.0.0.1/24', { metric: 3, scope: 'link' }],
      ['delete', '10.0.0.1/32', { peer: '10.0.0.2' }],
      ['delete', 'fd00::1/64', undefined],
    ];
    for (const [kind, cidr, options] of shapes) {
      for (const dev of [3, veth]) {
        const w = new Writer(128);
        writeAddress(w, addressOnIndex(kind, dev, cidr, options));
        const p = planAddress(kind, dev, cidr, options);
        const v = new Writer(128);
        p.writer.write(v, p.subject);
        expect(w.buffer.slice(0, w.length)).toEqual(v.buffer.slice(0, v.length));
        expect(ADDRESS_WRITER.describe?.(addressOnIndex(kind, dev, cidr, options))).toBe(p.writer.describe?.(p.subject));
      }
    }
    expect(() => addressOnIndex('add', 0, '10.0.0.1/24')).toThrow(InvalidArgumentError);
    expect(() => addressOnIndex('add', 3, '10.0.0.1')).toThrow(/no prefix length/);
  });
});

describe('the address text of a change', () => {
  /** What parsePrefix makes of `text` (the general reading every other text goes to), or its error's message. */
  function general(text: string): unknown {
    try {
      const prefix = parsePrefix(text, 'address');
      return { family: prefix.family, prefixlen: prefix.prefixlen, local: prefix.family === 4 ? ipv4Number(prefix.address) : prefix.bytes };
    } catch (error) {
      return (error as Error).message;
    }
  }
  function read(text: string): unknown {
    try {
      const r = checkAddress('add', 7, text);
      return { family: r.family, prefixlen: r.prefixlen, local: r.local };
    } catch (error) {
      return (error as Error).message;
    }
  }

  it('reads a plain IPv4 prefix as the general reading does, and leaves every other text to it', () => {
    const fixed = [
      '10.100.0.1/30', '0.0.0.0/0', '255.255.255.255/32', '1.2.3.4/33', '1.2.3.4/05', '1.2.3.4/', '1.2.3.4', '1.2.3.4/100',
      '01.2.3.4/8', '1.2.3.256/8', '1.2.3/8', '1.2.3.4.5/8', '1..2.3/8', '1.2.3.4/2x', '1.2.3.4 /8', 'fd00::1/64', '/8', '',
    ];
    for (const text of fixed) expect([text, read(text)]).toEqual([text, general(text)]);
    // Seeded: a failure names a case that can be run again.
    const random = new Random(0x0add2e55);
    const alphabet = '0123456789..../x';
    for (let n = 0; n < 20000; n++) {
      let text = '';
      if (n % 2 === 0) {
        const part = () => String([0, 1, 9, 10, 99, 100, 199, 249, 255, 256, 300, 1000][Math.floor(random.next() * 12)]);
        text = `${part()}.${part()}.${part()}.${part()}/${[0, 1, 9, 10, 24, 32, 33, 99, 100][Math.floor(random.next() * 9)]}`;
      } else {
        const length = Math.floor(random.next() * 20);
        for (let i = 0; i < length; i++) text += alphabet[Math.floor(random.next() * alphabet.length)];
      }
      expect([text, read(text)]).toEqual([text, general(text)]);
    }
  });
});

describe('a plain address change (PLAIN_ADDRESS_WRITER)', () => {
  /** The bytes of `writer` writing `subject` after `skip` bytes already in the writer. */
  function bytesOf<T>(write: (w: Writer, subject: T) => void, subject: T, skip: number): number[] {
    const w = new Writer(16);
    for (let i = 0; i < skip; i++) w.u8(0xee);
    write(w, subject);
    return [...w.buffer.subarray(skip, w.length)];
  }

  it('writes the bytes, and describes the change in the words, of the checked request for the same change', () => {
    const random = new Random(0x91a1);
    const cidrs = ['10.100.0.1/30', '0.0.0.0/0', '255.255.255.255/32', '192.168.1.7/24', '127.0.0.1/8'];
    for (let n = 0; n < 200; n++) cidrs.push(`${Math.floor(random.next() * 256)}.${Math.floor(random.next() * 256)}.${Math.floor(random.next() * 256)}.${Math.floor(random.next() * 256)}/${Math.floor(random.next() * 33)}`);
    for (const cidr of cidrs) {
      for (const kind of ['add', 'delete'] as const) {
        for (const dev of [7, 'eth0', { name: 've0', index: 7 }] as DeviceRef[]) {
          const prefixlen = plainIPv4Prefix(cidr, false);
          expect(prefixlen, cidr).toBeGreaterThanOrEqual(0);
          const plain: PlainAddress = { kind, cidr, dev, index: 7, prefixlen, local: plainIPv4Address };
          const checked = checkAddress(kind, dev, cidr);
          checked.index = 7;
          // At a 4-aligned end of the buffer (one step) and at the others (written attribute by attribute).
          for (const skip of [0, 4, 1, 2, 3]) expect(bytesOf(PLAIN_ADDRESS_WRITER.write, plain, skip), `${kind} ${cidr} +${skip}`).toEqual(bytesOf(ADDRESS_WRITER.write, checked, skip));
          expect(PLAIN_ADDRESS_WRITER.describe!(plain)).toBe(ADDRESS_WRITER.describe!(checked));
          expect([PLAIN_ADDRESS_WRITER.operation, PLAIN_ADDRESS_WRITER.plain]).toEqual([ADDRESS_WRITER.operation, ADDRESS_WRITER.plain]);
        }
      }
    }
  });

  it('is what a Link or an index with a plain IPv4 prefix and no options sends; any other change is checked in full', async () => {
    const given: Array<[unknown, unknown]> = [];
    const change = (writer: unknown, subject: unknown) => (given.push([writer, subject]), Promise.resolve());
    const connection = { logger: SILENT_LOGGER, change } as unknown as Connection;
    await changeAddressOn(connection, 'add', 7, '10.1.2.3/24');
    await changeAddress(connection, 'delete', 7, 7, '10.1.2.3/24', undefined, true);
    await changeAddressOn(connection, 'add', 7, '10.1.2.3/24', {});
    await changeAddress(connection, 'add', 7, 7, 'fd00::1/64', undefined, true);
    // Checked in full, which refuses it (a leading zero), before anything is given to the connection.
    expect(() => changeAddress(connection, 'add', 7, 7, '10.01.2.3/24', undefined, true)).toThrow(InvalidArgumentError);
    given.push(['refused', undefined]);
    expect(given.map(([writer, subject]) => [writer === PLAIN_ADDRESS_WRITER ? 'plain' : writer === ADDRESS_WRITER ? 'checked' : writer, (subject as { index?: number } | undefined)?.index])).toEqual([
      ['plain', 7],
      ['plain', 7],
      ['checked', 7],
      ['checked', 7],
      ['refused', undefined],
    ]);
  });
});
