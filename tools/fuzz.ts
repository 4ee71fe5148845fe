/**
 * npm run fuzz [-- --inputs N] [--seed S] [--encode-inputs M] [--replay I]
 *
 * Feeds N inputs (default 1,000,000) made from the captured fixtures to the rtnetlink and
 * nfnetlink decoders, then M (default N/10) field-level mutations to the encoders, and prints the
 * figures. Exits 1 on any failure; each failure is printed with the seed, the input index and its
 * bytes as hex, and `--seed S --replay I` runs that one input again.
 */
import { parseArgs } from 'node:util';
import { checkInput, makeCorpus, makeInput, runDecodeFuzz, type DecodeStats } from './fuzz-decode.js';
import { runEncodeFuzz } from './fuzz-encode.js';

const MB = 1024 * 1024;
/** Heap (after a collection) may not grow more than this between the first and the last sample. */
const HEAP_GROWTH_LIMIT = 16 * MB;

/** A 64 KiB input's hex is 128 KiB of log: its start, and where to get the rest (--replay prints it all). */
function shortHex(hex: string): string {
  return hex.length <= 512 ? hex : `${hex.slice(0, 512)}... (${hex.length / 2} bytes)`;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      inputs: { type: 'string', default: '1000000' },
      seed: { type: 'string' },
      'encode-inputs': { type: 'string' },
      replay: { type: 'string' },
      'slow-ms': { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run fuzz -- [--inputs N] [--seed S] [--encode-inputs M] [--replay INDEX] [--slow-ms MS]');
    return 0;
  }
  const inputs = Number(values.inputs);
  const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  if (!Number.isInteger(inputs) || inputs < 0) throw new Error(`--inputs: ${values.inputs} is not a whole number`);
  const corpus = makeCorpus();

  if (values.replay !== undefined) {
    const index = Number(values.replay);
    const input = makeInput(corpus, seed, index);
    console.log(`seed ${seed} index ${index} (${input.decoder} decoder): ${input.how}`);
    console.log(Buffer.from(input.bytes).toString('hex'));
    const result = checkInput(input, true);
    console.log(result);
    return result.outcome === 'failure' ? 1 : 0;
  }

  const rtnlSeeds = corpus.seeds.filter((s) => s.family === 'rtnl').length;
  console.log(
    `fuzz: seed ${seed}, ${inputs.toLocaleString('en')} decoder inputs from ${corpus.seeds.length} fixtures ` +
      `(${rtnlSeeds} rtnetlink, ${corpus.seeds.length - rtnlSeeds} nfnetlink), ${corpus.plan.length.toLocaleString('en')} systematic truncations/length edits ` +
      `(replay one: npm run fuzz -- --seed ${seed} --replay INDEX)`,
  );
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  let last = performance.now();
  const stats: DecodeStats = runDecodeFuzz({
    inputs,
    seed,
    corpus,
    slowMs: Number(values['slow-ms']),
    onSample(s, st) {
      if (s.at === 0) return;
      const now = performance.now();
      const rate = 100_000 / ((now - last) / 1000);
      last = now;
      console.log(
        `  ${s.at.toLocaleString('en').padStart(10)} inputs: rss ${(s.rss / MB).toFixed(1)} MB, heap ${(s.heapUsed / MB).toFixed(1)} MB, ` +
          `${Math.round(rate).toLocaleString('en')} inputs/s, ${st.failureCount} failure(s)`,
      );
    },
  });
  const seconds = stats.elapsedMs / 1000;
  console.log(`decoders: ${stats.inputs.toLocaleString('en')} inputs tried in ${seconds.toFixed(1)} s (${Math.round(stats.inputs / seconds).toLocaleString('en')} inputs/s)`);
  console.log(`  decoded ${stats.decoded.toLocaleString('en')}, rejected with NetlinkDecodeError ${stats.rejected.toLocaleString('en')}, failures ${stats.failureCount}`);
  console.log(`  by decoder: rtnetlink ${stats.byDecoder.rtnl.toLocaleString('en')}, nfnetlink ${stats.byDecoder.nft.toLocaleString('en')}; systematic inputs ${stats.systematicInputs.toLocaleString('en')}`);
  console.log(`  re-encoded what decoded: ${stats.reencoded.toLocaleString('en')} encoded and decoded back to the same messages (a refusal or a difference is a failure)`);
  console.log(
    `  slowest input: ${stats.slowest.ms.toFixed(3)} ms${stats.slowest.ms > 1 ? ' of CPU time (best of 3)' : ''} (index ${stats.slowest.index}, ${stats.slowest.how}, ${stats.slowest.hex.length / 2} bytes): ` +
      `${shortHex(stats.slowest.hex)} (all of it: --seed ${seed} --replay ${stats.slowest.index})`,
  );
  const first = stats.rssSamples[1] ?? stats.rssSamples[0]!;
  const lastSample = stats.rssSamples[stats.rssSamples.length - 1]!;
  const heapGrowth = lastSample.heapUsed - first.heapUsed;
  console.log(
    `  peak RSS ${(stats.peakRss / MB).toFixed(1)} MB; RSS ${(first.rss / MB).toFixed(1)} -> ${(lastSample.rss / MB).toFixed(1)} MB, ` +
      `heap ${(first.heapUsed / MB).toFixed(1)} -> ${(lastSample.heapUsed / MB).toFixed(1)} MB${gcExposed ? ' (after gc)' : ' (run with --expose-gc for exact heap figures)'}`,
  );
  for (const f of stats.failures) {
    console.log(`FAIL seed=${seed} index=${f.index} decoder=${f.decoder}: ${f.error}\n  made by: ${f.how}\n  hex: ${shortHex(f.hex)}`);
  }

  const encodeInputs = values['encode-inputs'] !== undefined ? Number(values['encode-inputs']) : Math.ceil(inputs / 10);
  const enc = runEncodeFuzz({ inputs: encodeInputs, seed, seeds: corpus.seeds });
  const encSeconds = enc.elapsedMs / 1000;
  console.log(`encoders: ${enc.inputs.toLocaleString('en')} messages with one field changed, in ${encSeconds.toFixed(1)} s (${Math.round(enc.inputs / Math.max(encSeconds, 1e-9)).toLocaleString('en')}/s)`);
  console.log(
    `  round-tripped ${enc.roundTripped.toLocaleString('en')}, refused naming the field ${enc.refusedNamingField.toLocaleString('en')}, ` +
      `refused naming another field ${enc.refusedNamingOther.toLocaleString('en')}, failures ${enc.failureCount}`,
  );
  for (const f of enc.failures) console.log(`FAIL encoder seed=${seed} index=${f.index}: ${f.base}: ${f.path} = ${f.value}: ${f.error}`);

  let status = 0;
  if (stats.failureCount > 0 || enc.failureCount > 0) status = 1;
  if (gcExposed && heapGrowth > HEAP_GROWTH_LIMIT) {
    console.log(`FAIL memory: the heap grew ${(heapGrowth / MB).toFixed(1)} MB during the run (limit ${HEAP_GROWTH_LIMIT / MB} MB)`);
    status = 1;
  }
  console.log(status === 0 ? 'fuzz: OK' : 'fuzz: FAILED');
  return status;
}

process.exitCode = main();
