// The part of struct-fu's API this project uses (struct-fu ships no types).
declare module 'struct-fu' {
  interface Field {
    readonly name?: string;
    readonly size: number;
  }
  interface StructField<T extends object> extends Field {
    /** The named fields, each with its byte offset in the struct. */
    readonly fields: Readonly<Record<string, Field & { readonly offset: number }>>;
    unpack(buf: Buffer, offset?: { bytes: number; bits: number }): T;
    pack(value: T, buf?: Buffer, offset?: { bytes: number; bits: number }): Buffer;
  }
  function struct<T extends object>(fields: Field[]): StructField<T>;
  function uint8(name: string): Field;
  function uint16le(name: string): Field;
  function uint32le(name: string): Field;
  function int16le(name: string): Field;
  function int16le(name: string): Field;
  function int32le(name: string): Field;
  function uint16(name: string): Field;
  function uint32(name: string): Field;
  function byte(name: string, size: number): Field;
  const structFu: {
    struct: typeof struct;
    uint8: typeof uint8;
    uint16le: typeof uint16le;
    uint32le: typeof uint32le;
    int16le: typeof int16le;
    int16le: typeof int16le;
    int32le: typeof int32le;
    uint16: typeof uint16;
    uint32: typeof uint32;
    byte: typeof byte;
  };
  export type { Field, StructField };
  export default structFu;
}
