/**
 * The logger this library writes to: the part of pino's interface it calls, declared here so that a
 * consumer's types do not depend on pino. A pino logger is one as it is; so is any object with these
 * methods. Silent by default (SILENT_LOGGER), without loading pino.
 */
import { monotonicMs } from './clock.js';

/** The levels this library logs at. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** One level's method: structured fields and a message, or a message alone (pino's calling convention). */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

/**
 * What the library needs of a logger (pino's `Logger` fits as it is). Levels: `info` for lifecycle
 * (namespaces created, opened, deleted, closed; monitors started and stopped; NAT set up and torn
 * down; CNI ADD and DEL results), `debug` for each change request ({ op, dev, ms }, and `code` when
 * it failed), `trace` for the netlink frames sent and received. `child` adds fields to every record
 * (a namespace's logs carry `netns`).
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** Whether records of `level` are written: the library builds a record only when they are. */
  isLevelEnabled(level: LogLevel): boolean;
  /** A logger whose records all carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => undefined;

/** The default logger: writes nothing, and says so to isLevelEnabled so that no record is built. */
export const SILENT_LOGGER: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  isLevelEnabled: () => false,
  child: () => SILENT_LOGGER,
};

/** Milliseconds since `start` (a monotonicMs() reading), to the microsecond: the `ms` field of records. */
export function msSince(start: number): number {
  return Math.round((monotonicMs() - start) * 1000) / 1000;
}
