import { describe, expect, it } from 'vitest';
import { PrefixViews } from '../../lib/views.js';

describe('PrefixViews', () => {
  it('gives the same view for a length met before: every short length, and the last four longer ones', () => {
    const buffer = new Uint8Array(64 * 1024);
    const views = new PrefixViews();
    expect(views.of(buffer, 36)).toBe(views.of(buffer, 36));
    const echo = views.of(buffer, 1404);
    const reply = views.of(buffer, 1388);
    expect([echo.length, echo.byteOffset, echo.buffer]).toEqual([1404, 0, buffer.buffer]);
    for (let i = 0; i < 3; i++) {
      expect(views.of(buffer, 1404)).toBe(echo);
      expect(views.of(buffer, 1388)).toBe(reply);
    }
    // Three more lengths push the oldest out (four are kept).
    for (const length of [2000, 3000, 4000]) views.of(buffer, length);
    expect(views.of(buffer, 1388)).toBe(reply);
    expect(views.of(buffer, 1404)).not.toBe(echo);
    expect(views.of(buffer, 4000)).toBe(views.of(buffer, 4000));
  });

  it('drops every kept view when the buffer changes', () => {
    const views = new PrefixViews();
    const first = new Uint8Array(8192);
    const long = views.of(first, 5000);
    const short = views.of(first, 40);
    const second = new Uint8Array(8192);
    expect(views.of(second, 5000).buffer).toBe(second.buffer);
    expect(views.of(second, 40).buffer).toBe(second.buffer);
    expect([long.buffer, short.buffer]).toEqual([first.buffer, first.buffer]);
  });
});
