import type { Codec, RawAttribute } from './codec.js';

/** One attribute of an attribute space: its number, kernel name, field name and codec. */
export interface AttrSpec<N extends string = string, V = unknown> {
  readonly type: number;
  readonly kernelName: string;
  readonly name: N;
  readonly codec: Codec<unknown>;
  /** The attribute may appear many times; its value is an array in wire order. */
  readonly repeated: boolean;
  /** Type-level only: the decoded value's type. */
  readonly valueType?: V;
}

export function attr<N extends string, T>(type: number, kernelName: string, name: N, codec: Codec<T>): AttrSpec<N, T> {
  return { type, kernelName, name, codec: codec as Codec<unknown>, repeated: false };
}

export function repeatedAttr<N extends string, T>(
  type: number,
  kernelName: string,
  name: N,
  codec: Codec<T>,
): AttrSpec<N, T[]> {
  return { type, kernelName, name, codec: codec as Codec<unknown>, repeated: true };
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded object of an attribute set: one optional field per attribute, plus unknown ones. */
export type AttrValues<S extends readonly AttrSpec[]> = Simplify<
  {
    [P in S[number] as P['name']]?: P extends AttrSpec<string, infer V> ? V : never;
  } & {
    /** Attributes without a table entry (or repeated where the kernel sends one), kept as they were. */
    unknown?: RawAttribute[];
  }
>;

/** An attribute space such as IFLA_* or RTA_*. */
export interface AttrTable<A> {
  /** Shown in error paths, e.g. 'IFLA'. */
  readonly space: string;
  /** One attribute of the space as errors name it, e.g. 'IFLA attribute'. */
  readonly member: string;
  readonly specs: readonly AttrSpec[];
  readonly byType: readonly (AttrSpec | undefined)[];
  /** Position in `specs` of each field name. */
  readonly byName: ReadonlyMap<string, number>;
  /** Type-level only. */
  readonly valuesType?: A;
}

/** Where a table made on first use keeps its state (a non-enumerable property: not among its keys, nor in JSON or a spread). */
const PENDING = Symbol('netns-rtnl attribute table specs');

interface Pending {
  make: (() => readonly AttrSpec[]) | undefined;
  table: AttrTable<unknown> | undefined;
}

/** The table's fields, built from its specs (and checked) on the first read of any of the three. */
function built(holder: object): AttrTable<unknown> {
  const pending = (holder as { [PENDING]: Pending })[PENDING];
  if (pending.table === undefined) {
    const table = indexed((holder as AttrTable<unknown>).space, pending.make!());
    pending.make = undefined;
    pending.table = table;
  }
  return pending.table;
}

/**
 * One set of accessors for every table made on first use, so that all of them share one hidden
 * class (the decoders' reads of byType, byName and specs stay monomorphic). Enumerable: the table
 * has the keys, key order and JSON of a table built at once.
 */
const ON_FIRST_READ: PropertyDescriptorMap = {
  specs: { get(this: object) { return built(this).specs; }, enumerable: true },
  byType: { get(this: object) { return built(this).byType; }, enumerable: true },
  byName: { get(this: object) { return built(this).byName; }, enumerable: true },
};

function indexed<S extends readonly AttrSpec[]>(space: string, specs: S): AttrTable<AttrValues<S>> {
  const byType: (AttrSpec | undefined)[] = [];
  const byName = new Map<string, number>();
  specs.forEach((spec, i) => {
    if (byType[spec.type]) throw new Error(`${space}: attribute number ${spec.type} defined twice`);
    if (byName.has(spec.name) || spec.name === 'unknown') throw new Error(`${space}: field name ${spec.name} clashes`);
    byName.set(spec.name, i);
    byType[spec.type] = spec;
  });
  for (let i = 0; i < byType.length; i++) byType[i] ??= undefined;
  return { space, member: `${space} attribute`, specs, byType, byName };
}

/**
 * An attribute table from its specs, or from a function that returns them. A table from a function
 * makes its specs (and checks them) on the first read of `specs`, `byType` or `byName`: the package
 * declares about fifty tables (link tables per address family, tc and nftables tables per kind),
 * and building all of them was a large share of what an import of the package ran, for messages
 * most programs never read.
 */
export function defineTable<const S extends readonly AttrSpec[]>(space: string, specs: S | (() => S)): AttrTable<AttrValues<S>> {
  if (typeof specs !== 'function') return indexed(space, specs);
  const table = { space, member: `${space} attribute` };
  Object.defineProperty(table, PENDING, { value: { make: specs, table: undefined } satisfies Pending });
  return Object.defineProperties(table, ON_FIRST_READ) as unknown as AttrTable<AttrValues<S>>;
}

/** The values type of a table. */
export type ValuesOf<T> = T extends AttrTable<infer A> ? A : never;
