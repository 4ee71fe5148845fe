import { describe, expect, it } from 'vitest';
import { decodeMessages } from '../../messages/message.js';

describe('decoded bytes', () => {
  it('are copies, even when the input is a Node Buffer whose slice() would share memory', () => {
    // RTM_NEWLINK with one unknown attribute (type 99) carrying abcdef0102
    const input = Buffer.from('29000000100000000000000000000000' + '00'.repeat(16) + '09006300abcdef0102', 'hex');
    const [message] = decodeMessages(input);
    const data = message!.kind === 'link' ? message!.body.attrs.unknown?.[0]?.data : undefined;
    expect(Buffer.from(data!).toString('hex')).toBe('abcdef0102');
    input.fill(0);
    expect(Buffer.from(data!).toString('hex')).toBe('abcdef0102');
  });
});
