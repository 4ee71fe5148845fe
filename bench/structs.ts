/**
 * `npm run build && node dist/bench/structs.js`: why messages/struct.ts generates its accessors
 * instead of calling struct-fu's unpack/pack. Decodes and encodes 100,000 rtmsg headers (one per
 * route of the W2 dump) both ways, alternating, and prints the medians and their ratio. CPU time
 * of this process, so other work on the machine weighs less than in wall time.
 */
import { rtmsg } from '../messages/route/index.js';
import { Source } from '../messages/source.js';
import { Writer } from '../messages/writer.js';
import type { Struct } from '../messages/struct.js';

const N = 100_000;
const ROUNDS = 15;
const header = rtmsg as unknown as Struct<Record<string, number>>;
const bytes = new Uint8Array(N * 12);
for (let i = 0; i < N; i++) bytes.set([2, 32, 0, 0, 254, 4, 253, 1, i & 0xff, 0, 0, 0], i * 12);
const src = new Source(bytes);
const value = { family: 2, dstLen: 32, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 253, type: 1, flags: 0 };
const w = new Writer(N * 12);
const kept: unknown[] = new Array(N);

const ways: Record<string, () => void> = {
  'decode, generated': () => {
    for (let i = 0; i < N; i++) kept[i] = header.decode(src, i * 12, i * 12 + 12);
  },
  'decode, struct-fu unpack': () => {
    for (let i = 0; i < N; i++) kept[i] = header.layout.unpack(Buffer.from(bytes.buffer, i * 12, 12));
  },
  'encode, generated': () => {
    w.reset();
    for (let i = 0; i < N; i++) header.encode(w, value, 'body');
  },
  'encode, struct-fu pack': () => {
    w.reset();
    for (let i = 0; i < N; i++) w.bytes(header.layout.pack(value));
  },
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(ways)) {
    const t0 = process.cpuUsage();
    run();
    const d = process.cpuUsage(t0);
    if (round >= 3) times[name]!.push((d.user + d.system) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`node ${process.version}, ${N.toLocaleString('en')} rtmsg headers, median of ${ROUNDS - 3} rounds (CPU ms)`);
for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(26)} ${median(xs).toFixed(2)} ms`);
const ratio = (a: string, b: string) => (median(times[b]!) / median(times[a]!)).toFixed(0);
console.log(`struct-fu / generated: decode ${ratio('decode, generated', 'decode, struct-fu unpack')}x, encode ${ratio('encode, generated', 'encode, struct-fu pack')}x`);
