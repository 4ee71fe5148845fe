// The part of struct-fu's API this project uses (struct-fu ships no types).
declare module 'struct-fu' {
  export interface Field {
    readonly name?: string;
    readonly size: number;
  }
  export interface StructField<T extends object> extends Field {
    unpack(buf: Buffer, offset?: { bytes: number; bits: number }): T;
    pack(value: T, buf?: Buffer, offset?: { bytes: number; bits: number }): Buffer;
  }
  export function struct<T extends object>(fields: Field[]): StructField<T>;
  export function uint8(name: string): Field;
  export function uint16le(name: string): Field;
  export function uint32le(name: string): Field;
  export function int32le(name: string): Field;
  export function uint16(name: string): Field;
  export function uint32(name: string): Field;
  export function byte(name: string, count: number): Field;
}
