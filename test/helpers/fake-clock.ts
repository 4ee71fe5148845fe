/**
 * Fake timers for the library's deadlines: setTimeout, clearTimeout and the clock they are measured
 * on (lib/clock.ts reads process.uptime), all moved by vi.advanceTimersByTime. undoFakeClock puts
 * the real ones back.
 */
import { vi } from 'vitest';

export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  vi.spyOn(process, 'uptime').mockImplementation(() => performance.now() / 1000);
}

export function undoFakeClock(): void {
  vi.useRealTimers();
  vi.restoreAllMocks();
}
