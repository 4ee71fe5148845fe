import { describe, expect, it } from 'vitest';
import { checkHostByteOrder, UnsupportedHostError } from '../../lib/sys/host-byte-order.js';
import { NetnsRtnlError } from '../../messages/errors.js';

describe('host byte order', () => {
  it('refuses a big-endian host with a message that says why, and accepts a little-endian one', () => {
    expect(() => checkHostByteOrder('BE')).toThrow(/little-endian host: netlink uses host byte order/);
    expect(() => checkHostByteOrder('BE')).toThrow(UnsupportedHostError);
    expect(() => checkHostByteOrder('BE')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_HOST', name: 'UnsupportedHostError' }));
    expect(new UnsupportedHostError('x')).toBeInstanceOf(NetnsRtnlError);
    expect(() => checkHostByteOrder('LE')).not.toThrow();
  });
});
