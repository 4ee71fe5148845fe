/**
 * A namespace's creation with its request socket in one call into native code
 * (lib/sys/netns-create-program.ts): what it opens, and that a run cut short at any step leaves
 * nothing behind (the thread back home, no file, no fd), so the calls one by one can follow.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFd, currentNetnsInode, deleteNamedNetns, getsockoptInt, netnsInodeOfFd, SO_RCVBUF, SOL_SOCKET } from '../../lib/sys/index.js';
import { createNetnsDirect } from '../../lib/sys/netns-create-program.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { CAP_NET_ADMIN, withoutCapability } from '../helpers/without-capability.js';

if (integrationSkipReason !== undefined) console.log(`netns-create-direct: ${integrationSkipReason}`);

const NAME = 'it-direct-ns';
const PATH = `/run/netns/${NAME}`;
const STEPS = 21;
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe.skipIf(!canRunIntegration)('createNetnsDirect', () => {
  afterAll(() => {
    if (existsSync(PATH)) deleteNamedNetns(NAME);
  });

  it('makes the namespace at the path and opens its fd and a bound request socket there, the thread back home', () => {
    const home = currentNetnsInode();
    const made = createNetnsDirect(PATH, 1 << 20);
    expect(made).toBeDefined();
    if (made === undefined) return;
    try {
      expect(currentNetnsInode()).toBe(home);
      expect(made.inode).toBe(statSync(PATH).ino);
      expect(netnsInodeOfFd(made.fd)).toBe(made.inode);
      expect(made.inode).not.toBe(home);
      expect(made.socket.port).toBeGreaterThan(0);
      expect(made.socket.getRecvBufferSize()).toBe(2 << 20);
      expect(getsockoptInt(made.socket.fd, SOL_SOCKET, SO_RCVBUF)).toBe(2 << 20);
    } finally {
      made.socket.close();
      closeFd(made.fd);
      deleteNamedNetns(NAME);
    }
  });

  it('without CAP_NET_ADMIN sets the capped receive buffer instead, as the calls one by one do', () => {
    const made = withoutCapability(CAP_NET_ADMIN, () => createNetnsDirect(PATH, 4096));
    expect(made).toBeDefined();
    if (made === undefined) return;
    try {
      expect(getsockoptInt(made.socket.fd, SOL_SOCKET, SO_RCVBUF)).toBe(2 * 4096);
      expect(made.socket.getRecvBufferSize()).toBe(2 * 4096);
    } finally {
      made.socket.close();
      closeFd(made.fd);
      deleteNamedNetns(NAME);
    }
  });

  it('cut short after any step, undoes what ran: no file, the thread home, no fd left open', () => {
    const home = currentNetnsInode();
    const fds = openFds();
    for (let steps = 0; steps < STEPS; steps++) {
      expect(createNetnsDirect(PATH, 1 << 20, steps), `after ${steps} steps`).toBeUndefined();
      expect(existsSync(PATH), `after ${steps} steps`).toBe(false);
      expect(currentNetnsInode(), `after ${steps} steps`).toBe(home);
      expect(openFds(), `after ${steps} steps`).toBe(fds);
    }
  });

  it('leaves a taken name to the calls one by one (EEXIST) and touches nothing', () => {
    const first = createNetnsDirect(PATH, 1 << 20);
    expect(first).toBeDefined();
    try {
      const inode = statSync(PATH).ino;
      expect(createNetnsDirect(PATH, 1 << 20)).toBeUndefined();
      expect(statSync(PATH).ino).toBe(inode);
    } finally {
      first?.socket.close();
      if (first) closeFd(first.fd);
      deleteNamedNetns(NAME);
    }
  });
});
