/**
 * Link.up(), down(), setPromiscuous(), addAddress() and deleteAddress() hand the connection the
 * Link's index as its state holds it (lib/link.ts #flag, lib/rtnl/apply.ts changeAddress): the
 * same change as setLinkFlag and changeAddressOn make from the Link, and for an index deviceIndex
 * refuses, the same error.
 */
import { describe, expect, it } from 'vitest';
import { Link } from '../../lib/link.js';
import { SILENT_LOGGER } from '../../lib/log.js';
import type { Namespace } from '../../lib/namespace.js';
import { changeAddressOn, setLinkFlag } from '../../lib/rtnl/apply.js';
import { LINK_DOWN, LINK_UP, PROMISC_ON } from '../../lib/rtnl/changes.js';
import type { LinkChanges, LinkState } from '../../lib/rtnl/links.js';
import type { RequestWriter } from '../../lib/message-codec.js';
import { Writer } from '../../messages/writer.js';
import { NO_OPTIONS } from '../../lib/request-path.js';

/**
 * A namespace whose connection records each change it is given, and applies it. `unlogged`: the
 * namespace also holds it as its open unlogged connection (lib/namespace-tables.ts), which the
 * Link's quick paths take.
 */
function recording(unlogged: boolean): { ns: Namespace; changes: Array<[unknown, unknown]> } {
  const changes: Array<[unknown, unknown]> = [];
  const change = (writer: unknown, subject: unknown) => {
    changes.push([writer, subject]);
    return Promise.resolve();
  };
  const connection = { logger: SILENT_LOGGER, change };
  return { ns: { rtnl: { connection }, unloggedConnection: unlogged ? connection : undefined } as unknown as Namespace, changes };
}

/** What a change given to the connection sends and says in errors: its bytes (at an aligned and an odd offset), operation and description. */
function sent(writer: RequestWriter<unknown>, subject: unknown): [number[], number[], string, string | undefined, boolean | undefined] {
  const aligned = new Writer(64);
  writer.write(aligned, subject);
  const odd = new Writer(64);
  odd.u8(0);
  writer.write(odd, subject);
  return [[...aligned.buffer.subarray(0, aligned.length)], [...odd.buffer.subarray(1, odd.length)], writer.operation, writer.describe?.(subject), writer.plain];
}

/** The ifa_index or ifi_index of a change's frame (after the 16-byte nlmsghdr and four bytes of family and the like). */
function frameIndex(bytes: number[]): number {
  return new DataView(Uint8Array.from(bytes).buffer).getInt32(20, true);
}

function linkWithIndex(ns: Namespace, index: unknown): Link {
  return new Link(ns, { index, name: 've0', up: false, flags: 0 } as unknown as LinkState);
}

/** What a call of the Link and the same call through apply.ts's general functions gave: [writer, subject] or the error's message. */
async function both(unlogged: boolean, index: unknown, own: (link: Link) => Promise<unknown>, general: (connection: never, link: Link) => Promise<unknown>): Promise<[unknown, unknown]> {
  const outcome = async (run: (link: Link, ns: Namespace) => Promise<unknown>): Promise<unknown> => {
    const { ns, changes } = recording(unlogged);
    try {
      await run(linkWithIndex(ns, index), ns);
      return changes.map(([writer, subject]) => sent(writer as RequestWriter<unknown>, subject));
    } catch (error) {
      return (error as Error).message;
    }
  };
  return [await outcome((link) => own(link)), await outcome((link, ns) => general(ns.rtnl.connection as never, link))];
}

describe("a Link's own index", () => {
  const flag = (changes: LinkChanges) => [(link: Link) => (changes === PROMISC_ON ? link.setPromiscuous(true) : changes === LINK_UP ? link.up() : link.down()), (c: never, link: Link) => setLinkFlag(c, link, changes)] as const;
  const calls = {
    up: flag(LINK_UP),
    down: flag(LINK_DOWN),
    promisc: flag(PROMISC_ON),
    addAddress: [(link: Link) => link.addAddress('10.1.2.3/24'), (c: never, link: Link) => changeAddressOn(c, 'add', link, '10.1.2.3/24')],
    addAddressWithOptions: [(link: Link) => link.addAddress('fd00::1/64', { noDad: true }), (c: never, link: Link) => changeAddressOn(c, 'add', link, 'fd00::1/64', { noDad: true })],
    deleteAddress: [(link: Link) => link.deleteAddress('10.1.2.3/24'), (c: never, link: Link) => changeAddressOn(c, 'delete', link, '10.1.2.3/24')],
    badAddress: [(link: Link) => link.addAddress('10.1.2.300/24'), (c: never, link: Link) => changeAddressOn(c, 'add', link, '10.1.2.300/24')],
    bareAddress: [(link: Link) => link.addAddress('10.1.2.3'), (c: never, link: Link) => changeAddressOn(c, 'add', link, '10.1.2.3')],
    notText: [(link: Link) => link.addAddress(7 as never), (c: never, link: Link) => changeAddressOn(c, 'add', link, 7 as never)],
  } as const;

  it.each(Object.keys(calls).flatMap((name) => [[name, false], [name, true]] as const))('%s (the namespace holding an unlogged connection: %s): the same change for a valid index, the same error for every other', async (name, unlogged) => {
    const [own, general] = calls[name as keyof typeof calls];
    for (const index of [1, 7, 0x7fffffff, 0, -1, 1.5, 0x80000000, NaN, '3', undefined, null]) {
      const [mine, theirs] = await both(unlogged, index, own, general);
      expect(mine, `index ${String(index)}`).toEqual(theirs);
      if (typeof index === 'number' && index >= 1 && index <= 0x7fffffff && Number.isInteger(index) && !['badAddress', 'bareAddress', 'notText'].includes(name)) expect(frameIndex((mine as Array<[number[]]>)[0]![0])).toBe(index);
      else expect(typeof mine, `index ${String(index)}`).toBe('string');
    }
  });

  it.each([false, true])("hands the connection's change the Link's own rethrowing (NO_OPTIONS, rethrows false), as general callers do not (the namespace holding an unlogged connection: %s)", async (unlogged) => {
    const given: unknown[][] = [];
    const change = (...args: unknown[]) => (given.push(args.slice(2)), Promise.resolve());
    const connection = { logger: SILENT_LOGGER, change };
    const ns = { rtnl: { connection }, unloggedConnection: unlogged ? connection : undefined } as unknown as Namespace;
    const link = linkWithIndex(ns, 7);
    await link.up();
    await link.down();
    await link.setPromiscuous(true);
    await link.addAddress('10.1.2.3/24');
    await link.addAddress('fd00::1/64', { noDad: true });
    await link.deleteAddress('10.1.2.3/24');
    expect(given).toEqual(Array.from({ length: 6 }, () => [NO_OPTIONS, false]));
    given.length = 0;
    await setLinkFlag(connection as never, link, LINK_UP);
    await changeAddressOn(connection as never, 'add', link, '10.1.2.3/24');
    expect(given).toEqual([[], [NO_OPTIONS, true]]);
  });
});
