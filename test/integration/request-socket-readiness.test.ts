/**
 * The request socket's readiness (readsUntilEmpty, and sendAlone's refusal) is one field kept up to
 * date wherever the four things it stands for change: closed, a read pass under way or scheduled,
 * sends waiting, a send on a worker thread (lib/sys/netlink-request-socket.ts). Each transition
 * below is checked three ways: the getter, the four fields themselves, and what sendAlone does
 * (false and nothing sent while not ready; sent and answered while ready).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openNetlinkSocket, type RequestSocket } from '../../lib/sys/netlink-request-socket.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { getLink, readinessFields as fourFields, seqsRead } from '../helpers/request-socket-probe.js';

/** More than the datagrams one read pass takes (READS_PER_PASS): the rest is read after a turn. */
const MORE_THAN_A_PASS = 20;

/** An RTM_GETLINK of the loopback device with sequence number `seq`. */
const getLo = (seq: number, bytes = new Uint8Array(32)): Uint8Array => getLink(bytes, 1, seq);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.skipIf(!canRunIntegration)('request socket: one readiness for readsUntilEmpty and sendAlone', () => {
  let socket: RequestSocket | undefined;
  afterEach(() => socket?.close());

  it('agrees with its four fields and with sendAlone at every transition', async () => {
    const s = (socket = openNetlinkSocket());
    /** Within a listener: the getter, the fields, and sendAlone's answer, as the read pass sees them. */
    const inPass: Array<[boolean, boolean, false | Promise<void> | undefined]> = [];
    const seen = seqsRead(s, () => {
      if (inPass.length === 0) inPass.push([s.readsUntilEmpty, fourFields(s), s.sendAlone(getLo(999), 32)]);
    });
    const lane = new Uint8Array(64);
    let seq = 0;
    /** readsUntilEmpty as expected, the fields the same, and sendAlone refusing (nothing sent) or sending. */
    const expectReady = (ready: boolean): void => {
      expect(s.readsUntilEmpty).toBe(ready);
      expect(fourFields(s)).toBe(ready);
      const before = seen.length;
      const number = 100 + ++seq;
      const sent = s.sendAlone(getLo(number, lane), 32);
      if (ready) {
        expect(sent).toBeUndefined();
        expect(seen.slice(before)).toEqual([number]);
      } else {
        expect(sent).toBe(false);
        expect(seen.length).toBe(before);
      }
      expect(s.readsUntilEmpty).toBe(ready);
      expect(fourFields(s)).toBe(ready);
    };

    // Open: ready. Its answer read within sendAlone: a pass under way, not ready for the listener.
    expectReady(true);
    expect(inPass).toEqual([[false, false, false]]);
    expect(seen).not.toContain(999);

    // A pass scheduled (readQueued reads, then schedules one): not ready until it has run.
    s.readQueued();
    expectReady(false);
    await turn();
    expectReady(true);

    // Sends made while a pass is scheduled are read by it: more than one pass reads, so a second is scheduled.
    s.readQueued();
    for (let i = 0; i < MORE_THAN_A_PASS; i++) s.send(getLo(200 + i));
    expectReady(false);
    await turn();
    expect(seen.filter((n) => n >= 200 && n < 300).length).toBeLessThan(MORE_THAN_A_PASS);
    expectReady(false);
    await turn();
    expect(seen.filter((n) => n >= 200 && n < 300)).toEqual(Array.from({ length: MORE_THAN_A_PASS }, (_, i) => 200 + i));
    expectReady(true);

    // A send on a worker thread, then one waiting behind it: not ready until both are sent and read.
    const slow = s.send(getLo(301), { slow: true });
    expect(slow).toBeInstanceOf(Promise);
    expectReady(false);
    const behind = s.send(getLo(302));
    expect(behind).toBeInstanceOf(Promise);
    expectReady(false);
    await slow;
    await behind;
    for (let turns = 0; turns < 100 && !s.readsUntilEmpty; turns++) {
      expect(fourFields(s)).toBe(false);
      await turn();
    }
    expectReady(true);
    expect(seen).toEqual(expect.arrayContaining([301, 302]));

    // Closed: never ready again.
    s.close();
    expect(s.readsUntilEmpty).toBe(false);
    expect(fourFields(s)).toBe(false);
    expect(s.sendAlone(getLo(400, lane), 32)).toBe(false);
  });

  it('is not ready while a send waits, sent on a closed socket or not', async () => {
    const s = (socket = openNetlinkSocket());
    seqsRead(s);
    const slow = s.send(getLo(1), { slow: true });
    const behind = s.send(getLo(2));
    // Closed while the worker thread holds a send: the one waiting fails, readiness stays false.
    s.close();
    expect(s.readsUntilEmpty).toBe(false);
    expect(fourFields(s)).toBe(false);
    await expect(behind).rejects.toThrow();
    await expect(slow).rejects.toThrow();
    expect(s.readsUntilEmpty).toBe(false);
    expect(fourFields(s)).toBe(false);
  });
});
