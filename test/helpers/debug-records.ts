import type { Logger } from '../../lib/log.js';

/** A record a logger was given at debug. */
export interface DebugRecord {
  op?: string;
  dev?: unknown;
  code?: unknown;
  ms?: unknown;
}

/** A logger with every level enabled that keeps what it is given at debug (its children are itself). */
export function debugRecorder(): { logger: Logger; records: DebugRecord[] } {
  const records: DebugRecord[] = [];
  const logger = {
    isLevelEnabled: () => true,
    debug: (record: object) => records.push(record),
    trace: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    child: () => logger,
  } as unknown as Logger;
  return { logger, records };
}
