/**
 * lib/sys/netlink-request-off-thread.ts against the kernel: a device's deletion sent from a worker
 * thread, watched through the link group, settles when the kernel announces the removal (the device
 * already out of the namespace's list), before or without waiting for the ACK; unwatched, or when
 * there is nothing to delete, the ACK's errno is the outcome.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { announcesRemoval } from '../../lib/cni/early-delete.js';
import { requestOffThread } from '../../lib/sys/netlink-request-off-thread.js';
import { canRunIntegration } from '../helpers/sandbox.js';

const P = `it-offthread-${process.pid}-`;
const RTM_DELLINK = 17;
const NLM_F_REQUEST_ACK = 0x1 | 0x4;
const ENODEV = 19;

/** RTM_DELLINK naming `ifname`: nlmsghdr, ifinfomsg, IFLA_IFNAME. */
function deleteRequest(ifname: string, seq: number): Uint8Array {
  const name = Buffer.from(`${ifname}\0`);
  const length = 32 + ((4 + name.length + 3) & ~3);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length, true);
  view.setUint16(4, RTM_DELLINK, true);
  view.setUint16(6, NLM_F_REQUEST_ACK, true);
  view.setUint32(8, seq, true);
  view.setUint16(32, 4 + name.length, true);
  view.setUint16(34, 3, true);
  bytes.set(name, 36);
  return bytes;
}

function links(ns: Namespace): string {
  return spawnSync('ip', ['-n', ns.name!, '-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
}

const made: Namespace[] = [];

/** A container-like namespace and a host-like one, deleted after the suite. */
async function twoNamespaces(tag: string): Promise<[Namespace, Namespace]> {
  for (const side of ['c', 'h']) made.push(await Namespace.create(`${P}${tag}${side}`));
  return [made.at(-2)!, made.at(-1)!];
}

describe.skipIf(!canRunIntegration)('requestOffThread', () => {
  afterAll(async () => {
    for (const ns of made) await ns.delete();
  });

  it('watched: settles on the RTM_DELLINK notification, the pair already gone from both namespaces', async () => {
    const [a, b] = await twoNamespaces('w');
    await VethPair.create({ name: 'ot-host', namespace: b, up: true, peer: { name: 'eth0', namespace: a } });
    const name = Buffer.from('eth0\0');
    const seen: string[] = [];
    const watch = {
      groups: 1,
      announces: (frame: DataView, offset: number) => {
        const announced = announcesRemoval(frame, offset, name);
        if (announced) seen.push(links(a), links(b));
        return announced;
      },
    };
    expect(await requestOffThread(a.path!, deleteRequest('eth0', 7), watch)).toBe('announced');
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toContain('eth0');
    expect(seen[1]).not.toContain('ot-host');
  });

  it('watched, with nothing to delete: the ENODEV of the ACK; unwatched: the errno of the ACK, 0 once deleted', async () => {
    const [a, b] = await twoNamespaces('u');
    const watch = { groups: 1, announces: (frame: DataView, offset: number) => announcesRemoval(frame, offset, Buffer.from('eth0\0')) };
    expect(await requestOffThread(a.path!, deleteRequest('eth0', 8), watch)).toBe(ENODEV);
    await VethPair.create({ name: 'ot-host2', namespace: b, peer: { name: 'eth0', namespace: a } });
    expect(await requestOffThread(a.path!, deleteRequest('eth0', 9))).toBe(0);
    expect(await requestOffThread(a.path!, deleteRequest('eth0', 10))).toBe(ENODEV);
  });
});
