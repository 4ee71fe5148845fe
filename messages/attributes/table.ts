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

const EMPTY_INDEX: ReadonlyMap<string, number> = new Map();

/**
 * One table class for every table, so that the decoders' and encoders' reads of `byType`, `byName`
 * and `specs` see one shape. A table defined from a function builds its specs and index on the first
 * read of any of the three: the package declares about sixty tables (link tables per address
 * family, tc and nftables tables per kind), and building all of them was a large share of what an
 * import of the package ran, for messages most programs never read.
 */
class Table<A> implements AttrTable<A> {
  readonly member: string;
  #make: (() => readonly AttrSpec[]) | undefined;
  #specs: readonly AttrSpec[] = [];
  #byType: readonly (AttrSpec | undefined)[] = [];
  #byName: ReadonlyMap<string, number> = EMPTY_INDEX;
  declare readonly valuesType?: A;

  constructor(
    readonly space: string,
    specs: readonly AttrSpec[] | (() => readonly AttrSpec[]),
  ) {
    this.member = `${space} attribute`;
    if (typeof specs === 'function') this.#make = specs;
    else this.#index(specs);
  }

  get specs(): readonly AttrSpec[] {
    if (this.#make !== undefined) this.#build();
    return this.#specs;
  }

  get byType(): readonly (AttrSpec | undefined)[] {
    if (this.#make !== undefined) this.#build();
    return this.#byType;
  }

  get byName(): ReadonlyMap<string, number> {
    if (this.#make !== undefined) this.#build();
    return this.#byName;
  }

  #build(): void {
    const make = this.#make!;
    this.#make = undefined;
    try {
      this.#index(make());
    } catch (error) {
      this.#make = make;
      throw error;
    }
  }

  #index(specs: readonly AttrSpec[]): void {
    const space = this.space;
    const byType: (AttrSpec | undefined)[] = [];
    const byName = new Map<string, number>();
    specs.forEach((spec, i) => {
      if (byType[spec.type]) throw new Error(`${space}: attribute number ${spec.type} defined twice`);
      if (byName.has(spec.name) || spec.name === 'unknown') throw new Error(`${space}: field name ${spec.name} clashes`);
      byName.set(spec.name, i);
      byType[spec.type] = spec;
    });
    for (let i = 0; i < byType.length; i++) byType[i] ??= undefined;
    this.#specs = specs;
    this.#byType = byType;
    this.#byName = byName;
  }
}

/**
 * An attribute table from its specs, or from a function that returns them: such a table makes its
 * specs (and checks them) on the first read of `specs`, `byType` or `byName`.
 */
export function defineTable<const S extends readonly AttrSpec[]>(space: string, specs: S | (() => S)): AttrTable<AttrValues<S>> {
  return new Table<AttrValues<S>>(space, specs);
}

/** The values type of a table. */
export type ValuesOf<T> = T extends AttrTable<infer A> ? A : never;
