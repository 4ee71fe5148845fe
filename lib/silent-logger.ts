import type { Logger } from 'pino';

/**
 * The default logger: silent, without loading pino (importing pino costs tens of milliseconds of
 * start-up, which a short-lived process such as the CNI plugin pays on every call).
 */
const noop = (): void => undefined;
export const SILENT_LOGGER = { level: 'silent', isLevelEnabled: () => false, trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop, child: () => SILENT_LOGGER } as unknown as Logger;
