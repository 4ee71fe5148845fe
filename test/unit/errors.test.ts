import { describe, expect, it } from 'vitest';
import { InvalidArgumentError as FromMessages } from '../../messages/errors.js';
import { InvalidArgumentError as FromLib } from '../../lib/index.js';
import { checkMtu } from '../../lib/validate.js';

describe('error classes', () => {
  it('InvalidArgumentError is one class, declared in messages/ so encoders can throw it', () => {
    expect(FromLib).toBe(FromMessages);
    const error = new FromMessages('mtu', 70000, 'is too large', { cause: 'x' });
    expect(error.message).toBe('mtu: 70000 is too large');
    expect(error.cause).toBe('x');
    expect(() => checkMtu(70000, 'mtu')).toThrow(FromMessages);
  });
});
