import { describe, expect, it } from 'vitest';
import { checkHostByteOrder } from '../../lib/sys/host-byte-order.js';

describe('host byte order', () => {
  it('refuses a big-endian host with a message that says why, and accepts a little-endian one', () => {
    expect(() => checkHostByteOrder('BE')).toThrow(/little-endian host: netlink uses host byte order/);
    expect(() => checkHostByteOrder('LE')).not.toThrow();
  });
});
