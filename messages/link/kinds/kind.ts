import type { AttrTable } from '../../attributes/table.js';
import { checkInteger, encodeText } from '../../checks.js';
import { InvalidArgumentError } from '../../errors.js';
import type { LinkAttrs } from '../attributes.js'; // type only: no runtime import cycle

/**
 * A device an option names, the way every option that takes a device takes it: by name, by index,
 * or as an object with its index (a Link). Creation options and lib/ share this one type.
 */
export type DeviceOption = string | number | { readonly index: number; readonly name: string };

/**
 * A device the creation options name by name or as an object: lib/ resolves it in the namespace
 * the link is created in (a name is looked up there; an object's namespace is checked), the only
 * part of creating a link that needs the kernel before the request, and `set` puts its index
 * where the kind wants it.
 */
export interface DeviceByName {
  /** The option, as error messages name it ('dev', 'link', 'master'). */
  readonly field: string;
  readonly name: string;
  /** The object the option gave (a Link, its index checked), used once lib/ has checked where it lives. */
  readonly object?: { readonly index: number };
  /** Puts the device's index where the kind wants it, once looked up. */
  set(index: number): void;
}

/** What a kind's creation options become: IFLA_INFO_DATA, the IFLA_* beside it, and devices to look up. */
export interface KindCreation<D> {
  data?: D;
  attrs?: LinkAttrs;
  devices: DeviceByName[];
}

/**
 * A link kind (IFLA_INFO_KIND): its attribute table, the table of its ports' data when it is a
 * master, and the builder of its creation options. One file per kind declares one of these; the
 * registry (./index.ts) lists them.
 */
export interface LinkKind<N extends string = string, D = unknown, O = never> {
  readonly name: N;
  /** IFLA_INFO_DATA of links of this kind. */
  readonly data: AttrTable<D>;
  /** IFLA_INFO_SLAVE_DATA of the links enslaved to one of this kind (a bridge's ports). */
  readonly portData?: AttrTable<unknown>;
  /**
   * The creation options as IFLA_INFO_DATA (and IFLA_* beside it), every value checked first
   * (InvalidArgumentError naming the option). Devices given by index are set at once; by name,
   * they are returned for lib/ to look up.
   */
  create(options: O): KindCreation<D>;
  /** The words after `ip link add NAME type` for these options, for operation names in errors. */
  describe(options: O): string;
}

/**
 * A device named by an option: an index is checked and set now; a name is checked, and an object's
 * index, and both are left for lib/ to resolve.
 */
export function deviceOption(value: unknown, field: string, out: DeviceByName[], set: (index: number) => void): void {
  if (typeof value === 'number') {
    set(checkInteger(value, field, 1, 0x7fffffff));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const object = value as { index?: unknown; name?: unknown };
    const index = checkInteger(object.index, `${field}.index`, 1, 0x7fffffff);
    out.push({ field, name: typeof object.name === 'string' ? object.name : `index ${index}`, object: object as { readonly index: number }, set });
    return;
  }
  if (value === '') throw new InvalidArgumentError(field, value, 'is empty: name a device, or give a Link or an index');
  const name = value as string;
  encodeText(value, field, 15, 'a device name, a Link or an index');
  out.push({ field, name, set });
}

/** The IFLA_INFO_DATA tables of a registry, by kind. */
export type DataTablesOf<R extends Readonly<Record<string, LinkKind<string, unknown, never>>>> = { readonly [K in keyof R]: R[K]['data'] };

/** The IFLA_INFO_SLAVE_DATA tables of a registry, by the master's kind. */
export type PortTablesOf<R extends Readonly<Record<string, LinkKind<string, unknown, never>>>> = {
  readonly [K in keyof R as R[K] extends { portData: AttrTable<unknown> } ? K : never]: R[K] extends { portData: infer T } ? T : never;
};

export function dataTablesOf<R extends Readonly<Record<string, LinkKind<string, unknown, never>>>>(registry: R): DataTablesOf<R> {
  return Object.fromEntries(Object.entries(registry).map(([name, kind]) => [name, kind.data])) as DataTablesOf<R>;
}

export function portTablesOf<R extends Readonly<Record<string, LinkKind<string, unknown, never>>>>(registry: R): PortTablesOf<R> {
  return Object.fromEntries(Object.entries(registry).flatMap(([name, kind]) => (kind.portData ? [[name, kind.portData]] : []))) as PortTablesOf<R>;
}
