/**
 * The library's monotonic clock, in milliseconds (deadlines, the time a request was sent, the `ms`
 * of log records). Only differences between its readings mean anything.
 *
 * Not `performance.now()`: the first read of Node's `performance` global loads perf_hooks and ten
 * internal modules behind it, 1.7-3 ms of CPU (Node 20 / 22 / 24) that a fresh process would pay
 * inside its first request. `process.uptime()` reads the same monotonic clock (libuv's hrtime)
 * through a binding Node has already loaded.
 */
export function monotonicMs(): number {
  return process.uptime() * 1000;
}
