/**
 * A sysctl inside a namespace in one call into native code (lib/sys/sysctl-program.ts): the same
 * answers as withNetns with Node's read and write, and where it cannot answer, nothing left
 * behind (the thread home, no fd open) for the usual way to follow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, createNamedNetns, currentNetnsInode, deleteNamedNetns, openCurrentNetnsFd, openNetnsFd, withNetns } from '../../lib/sys/index.js';
import { sysctlDirect } from '../../lib/sys/sysctl-program.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`sysctl-direct: ${integrationSkipReason}`);

const NAME = 'it-sysctl-direct';
const FORWARD = '/proc/sys/net/ipv4/ip_forward';
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe.skipIf(!canRunIntegration)('sysctlDirect', () => {
  let fd = -1;
  beforeAll(() => {
    fd = openNetnsFd(createNamedNetns(NAME));
  });
  afterAll(() => {
    closeFd(fd);
    deleteNamedNetns(NAME);
  });
  const inside = (file: string): string => withNetns(fd, () => readFileSync(file, 'utf8').trim());

  it('reads and writes inside the namespace, as withNetns with Node would', () => {
    const home = currentNetnsInode();
    const hostValue = readFileSync(FORWARD, 'utf8').trim();
    expect(sysctlDirect(fd, FORWARD, undefined)).toBe(inside(FORWARD));
    expect(sysctlDirect(fd, FORWARD, '1')).toBe('1');
    expect(inside(FORWARD)).toBe('1');
    expect(sysctlDirect(fd, FORWARD, '0\n')).toBe('0');
    expect(inside(FORWARD)).toBe('0');
    const ports = '/proc/sys/net/ipv4/ip_local_port_range';
    expect(sysctlDirect(fd, ports, '20000\t30000')).toBe(inside(ports));
    expect(readFileSync(FORWARD, 'utf8').trim()).toBe(hostValue);
    expect(currentNetnsInode()).toBe(home);
  });

  it('answers a write-only key with the value written', () => {
    expect(sysctlDirect(fd, '/proc/sys/net/ipv4/route/flush', '1')).toBe('1');
  });

  it('works in the namespace the thread is in', () => {
    const here = openCurrentNetnsFd();
    try {
      expect(sysctlDirect(here, FORWARD, undefined)).toBe(readFileSync(FORWARD, 'utf8').trim());
    } finally {
      closeFd(here);
    }
  });

  it('leaves to the usual way, with the thread home and no fd open, what it cannot answer', () => {
    const home = currentNetnsInode();
    const fds = openFds();
    const cases: Array<[number, string, string | undefined]> = [
      [fd, '/proc/sys/net/ipv4/no_such_key', undefined],
      [fd, '/proc/sys/net/ipv4/no_such_key', '1'],
      [fd, FORWARD, 'not a number'],
      [fd, FORWARD, ''],
      [fd, '/proc/sys/net/ipv4/route/flush', undefined],
      [-1, FORWARD, undefined],
      [fd, `/proc/sys/${'x'.repeat(2000)}`, undefined],
    ];
    for (const [target, file, value] of cases) {
      expect(sysctlDirect(target, file, value), `${file.slice(0, 40)} ${value}`).toBeUndefined();
      expect(currentNetnsInode()).toBe(home);
      expect(openFds()).toBe(fds);
    }
  });
});
