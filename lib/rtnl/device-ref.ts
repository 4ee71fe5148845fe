import { checkInteger } from '../validate.js';
import type { DeviceRef } from './routes.js';

/** The index of a device given by index or as a Link (a name is looked up instead). */
export function deviceIndex(dev: unknown, field: string): number {
  if (typeof dev === 'object' && dev !== null) return checkInteger((dev as { index?: unknown }).index, `${field}.index`, 1, 0x7fffffff);
  return checkInteger(dev, field, 1, 0x7fffffff);
}

/** A device as errors name it: its name when known (a name, or a Link), else `index N`. */
export function deviceText(ref: DeviceRef): string {
  if (typeof ref === 'number') return `index ${ref}`;
  if (typeof ref === 'object' && ref !== null) return typeof ref.name === 'string' ? ref.name : `index ${ref.index}`;
  return String(ref);
}
