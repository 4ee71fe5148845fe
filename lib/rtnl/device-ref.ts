import { deviceOption } from '../../messages/link/kinds/kind.js';
import type { DeviceByName } from '../../messages/link/index.js';
import { checkInteger, checkInterfaceName, InvalidArgumentError } from '../validate.js';
import { integerError } from '../../messages/checks.js';
import type { Rtnl } from './client.js';
import type { DeviceRef } from './routes.js';

/** Where devices are resolved: a namespace (its socket, its inode; its toString names it in errors). */
export interface DeviceHome {
  readonly rtnl: Rtnl;
  readonly inode: number;
}

/** The index of a device given by index or as a Link (a name is looked up instead). */
export function deviceIndex(dev: unknown, field: string): number {
  if (typeof dev !== 'object' || dev === null) return checkInteger(dev, field, 1, 0x7fffffff);
  const index = (dev as { index?: unknown }).index;
  // The field's name for the error is put together only for one (a string per request otherwise).
  // isIntegerIn(index, 1, 0x7fffffff) written out (a call less for every change on a Link): within
  // int32, `| 0` leaves only whole numbers as they were.
  if (typeof index !== 'number' || !(index >= 1 && index <= 0x7fffffff) || (index | 0) !== index) throw integerError(`${field}.index`, index, 1, 0x7fffffff);
  return index;
}

/** A device as errors name it: its name when known (a name, or a Link), else `index N`. */
export function deviceText(ref: DeviceRef): string {
  if (typeof ref === 'number') return `index ${ref}`;
  if (typeof ref === 'object' && ref !== null) return typeof ref.name === 'string' ? ref.name : `index ${ref.index}`;
  return String(ref);
}

/**
 * Resolves the devices options name (`master`, a vxlan's `dev`, a macvlan's `link`) in `namespace`,
 * where the link is created or changed, before anything is sent: a Link must be in that
 * namespace, a name must exist there (InvalidArgumentError otherwise, saying so). The names are
 * looked up together.
 */
export async function resolveDevices(namespace: DeviceHome, devices: readonly DeviceByName[]): Promise<void> {
  for (const device of devices) {
    const home = device.object !== undefined ? (device.object as { namespace?: { inode?: unknown } }).namespace : undefined;
    if (home !== undefined && home.inode !== namespace.inode) {
      throw new InvalidArgumentError(device.field, device.name, `is a link in ${String(home)}, not in ${String(namespace)}: give a device of ${String(namespace)}`);
    }
    if (device.object === undefined) checkInterfaceName(device.name, device.field);
  }
  const indexes = await Promise.all(devices.map((device) => (device.object !== undefined ? device.object.index : lookUp(namespace, device))));
  devices.forEach((device, i) => device.set(indexes[i]!));
}

async function lookUp(namespace: DeviceHome, device: DeviceByName): Promise<number> {
  try {
    return await namespace.rtnl.index(device.name, device.field);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENODEV') throw error;
    throw new InvalidArgumentError(device.field, device.name, `is not a device in ${String(namespace)}: give the name of a device there, a Link or an index`, { cause: error });
  }
}

/**
 * The index of device `ref` (a Link, a name or an index) in `namespace`, resolved as a creation
 * option's device is: a Link of another namespace, or a name that is not there, is an
 * InvalidArgumentError naming `field`.
 */
export async function deviceIn(namespace: DeviceHome, ref: DeviceRef, field: string): Promise<number> {
  let index = 0;
  const devices: DeviceByName[] = [];
  deviceOption(ref, field, devices, (found) => (index = found));
  await resolveDevices(namespace, devices);
  return index;
}
