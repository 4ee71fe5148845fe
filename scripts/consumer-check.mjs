#!/usr/bin/env node
// Tries the package the way a new user does, so the README's instructions cannot rot (.ci/run
// runs it after the tests; run `npm run build` first when running it by hand):
//
// 1. `npm pack`, then checks the tarball: only what a consumer runs (the bundles in dist/bundle
//    with their source maps, the .d.ts files), every map's sources in the map or the tarball,
//    every entry point of package.json present.
// 2. In a fresh temporary directory, runs the shell block of the README marked
//    `<!-- consumer-check: install.sh -->` (with the tarball in place of the registry), writes
//    every other marked block (tsconfig.json, the snippets) to the file the marker names, and
//    compiles with the TypeScript the README installs and with this repository's own (the
//    oldest we support).
// 3. As root, runs each snippet on Node 20, 22 and 24 (scripts/node-versions.mjs) inside a
//    private network + mount namespace standing for a fresh machine (lo up, one address), and
//    checks that it exits 0 within a minute and leaves no named namespace and no link behind.
//    A `.ts` snippet is run compiled; a `.mjs` marked `node 24` runs on Node 24 only.
//
//   node scripts/consumer-check.mjs [--keep]     --keep leaves the temporary directory for a look
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeBinary } from './node-versions.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SANDBOX_ENV = 'NETNS_RTNL_CONSUMER_SANDBOX';
const NODE_LINES = ['20', '22', '24'];
/** Where the tarball may put files: what a consumer runs (the bundles, their maps, the types). */
const SHIPPED = [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^CHANGELOG\.md$/, /^dist\/bundle\//, /^dist\/(lib|messages)\/.*\.d\.ts$/];
/** The machine's own address inside the sandbox (the article's VM has 10.0.2.15 on enp0s3). */
const MACHINE_ADDRESS = '10.0.2.15/32';
const RUN_TIMEOUT_MS = 60_000;
/** The kernel removes a deleted namespace's devices shortly after (tens of ms): wait this long at most. */
const CLEANUP_WAIT_MS = 5_000;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  return result;
}

function must(command, args, options = {}) {
  const result = run(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (result.status !== 0) {
    throw new Error(`\`${[command, ...args].join(' ')}\` exited ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

if (process.env[SANDBOX_ENV] === '1') await sandboxed(process.argv[2], process.argv[3]);
else await main();

async function main() {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log('usage: node scripts/consumer-check.mjs [--keep]   (after npm run build; as root it also runs the snippets)');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'netns-rtnl-consumer-'));
  let failed = false;
  try {
    const tarball = packAndCheck(work);
    const consumer = join(work, 'consumer');
    const blocks = readmeBlocks();
    installAndCompile(consumer, tarball, blocks);
    if (process.getuid?.() === 0) runSnippets(consumer, blocks);
    else console.log('consumer-check: not root, so the snippets were compiled but not run (they create namespaces)');
    console.log('consumer-check: ok');
  } catch (error) {
    failed = true;
    console.error(`consumer-check: ${error.message}`);
  } finally {
    if (values.keep) console.log(`consumer-check: left ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

/** Packs the package and checks what is in it; returns the tarball's path. */
function packAndCheck(work) {
  const [pack] = JSON.parse(must('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }));
  const files = new Set(pack.files.map((f) => f.path));
  const stray = [...files].filter((f) => !SHIPPED.some((pattern) => pattern.test(f)));
  if (stray.length) throw new Error(`the tarball ships what a consumer does not run: ${stray.slice(0, 10).join(', ')}${stray.length > 10 ? ` and ${stray.length - 10} more` : ''}`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {}), ...exportTargets(pkg.exports)].map((p) => posix.normalize(p));
  const missing = entries.filter((p) => !files.has(p));
  if (missing.length) throw new Error(`package.json names files the tarball lacks: ${missing.join(', ')}`);
  let maps = 0;
  for (const file of files) {
    if (!file.endsWith('.map')) continue;
    const map = JSON.parse(readFileSync(join(root, file), 'utf8'));
    map.sources.forEach((source, i) => {
      if (map.sourcesContent?.[i] != null) return;
      const resolved = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', source));
      if (!files.has(resolved)) throw new Error(`${file} points to ${source}, which the tarball lacks`);
    });
    maps++;
  }
  console.log(`consumer-check: ${pack.filename}: ${files.size} files, ${(pack.size / 1024).toFixed(0)} KiB; ${maps} source maps, every source present`);
  return join(work, pack.filename);
}

function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (!exports || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/**
 * The README's blocks marked `<!-- consumer-check: FILE -->`, in order. After FILE, `node N` runs
 * a script on that Node line only, and `also .mjs on node N` runs a TypeScript snippet, saved as
 * it is under a .mjs name, on that line too (what the README says Node 24 can do).
 */
function readmeBlocks() {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [];
  for (const m of text.matchAll(/<!-- consumer-check: (\S+)((?: [^-\n][^\n]*?)?) -->\s*\n```[^\n]*\n([\s\S]*?)\n```/g)) {
    const options = m[2].trim();
    const only = /^node (\d+)$/.exec(options)?.[1];
    const asMjs = /^also \.mjs on node (\d+)$/.exec(options)?.[1];
    if (options && !only && !asMjs) throw new Error(`README.md: consumer-check marker for ${m[1]}: unknown option "${options}"`);
    blocks.push({ file: m[1], text: `${m[3]}\n`, ...(only ? { node: only } : {}) });
    if (asMjs) blocks.push({ file: m[1].replace(/^src\//, '').replace(/\.ts$/, '.mjs'), text: `${m[3]}\n`, node: asMjs });
  }
  for (const needed of ['install.sh', 'tsconfig.json']) {
    if (!blocks.some((b) => b.file === needed)) throw new Error(`README.md has no block marked <!-- consumer-check: ${needed} -->`);
  }
  if (!blocks.some((b) => b.file.endsWith('.ts'))) throw new Error('README.md has no TypeScript snippet marked <!-- consumer-check: src/NAME.ts -->');
  return blocks;
}

function installAndCompile(consumer, tarball, blocks) {
  mkdirSync(consumer);
  const install = blocks.find((b) => b.file === 'install.sh');
  for (const line of install.text.split('\n')) {
    const command = line.replace(/#.*/, '').trim();
    if (!command) continue;
    // The registry's netns-rtnl is replaced by the tarball under test.
    const local = command.replace(/(npm (?:install|i)\b.*?)\bnetns-rtnl\b/, `$1${tarball}`);
    console.log(`consumer-check: $ ${command}`);
    const result = run('sh', ['-c', local], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) throw new Error(`\`${command}\` failed:\n${result.stdout}${result.stderr}`);
  }
  for (const block of blocks) {
    if (block.file === 'install.sh') continue;
    mkdirSync(dirname(join(consumer, block.file)), { recursive: true });
    writeFileSync(join(consumer, block.file), block.text);
  }
  const types = readdirSync(join(consumer, 'node_modules', '@types'));
  const nodeTypes = JSON.parse(readFileSync(join(consumer, 'node_modules', '@types', 'node', 'package.json'), 'utf8')).version;
  if (Number(nodeTypes.split('.')[0]) < 20) throw new Error(`the consumer's node_modules/@types/node is ${nodeTypes}: older than the Node lines we support`);
  console.log(`consumer-check: node_modules/@types: ${types.join(', ')} (node ${nodeTypes})`);
  const theirs = must(process.execPath, [join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '--version'], { cwd: consumer }).trim();
  for (const [label, tsc] of [
    [`the README's TypeScript (${theirs})`, join(consumer, 'node_modules', 'typescript', 'bin', 'tsc')],
    [`this repository's TypeScript (${must(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--version']).trim()})`, join(root, 'node_modules', 'typescript', 'bin', 'tsc')],
  ]) {
    rmSync(join(consumer, 'dist'), { recursive: true, force: true });
    const result = run(process.execPath, [tsc, '-p', '.'], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) throw new Error(`tsc with ${label} failed:\n${result.stdout}${result.stderr}`);
    console.log(`consumer-check: compiled with ${label}`);
  }
}

/** Runs every snippet on each Node line it is meant for, each in a sandbox of its own. */
function runSnippets(consumer, blocks) {
  const outDir = readTsconfigOutDir(consumer);
  for (const block of blocks) {
    let script;
    if (block.file.endsWith('.ts')) script = join(outDir, block.file.replace(/^src\//, '').replace(/\.ts$/, '.js'));
    else if (block.file.endsWith('.mjs') || block.file.endsWith('.js')) script = block.file;
    else continue;
    for (const line of block.node ? [block.node] : NODE_LINES) {
      const node = nodeBinary(line);
      const t0 = performance.now();
      const result = run(
        'unshare',
        ['--net', '--mount', '--propagation', 'private', '--', process.execPath, fileURLToPath(import.meta.url), node, script],
        { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [SANDBOX_ENV]: '1' }, timeout: RUN_TIMEOUT_MS + CLEANUP_WAIT_MS + 10_000 },
      );
      if (result.status !== 0) throw new Error(`${script} on Node ${line} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
      console.log(`consumer-check: ${script} on Node ${line}: ran and left nothing behind (${(performance.now() - t0).toFixed(0)} ms)`);
    }
  }
}

function readTsconfigOutDir(consumer) {
  const shown = JSON.parse(must(process.execPath, [join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '--showConfig'], { cwd: consumer }));
  return shown.compilerOptions.outDir ?? '.';
}

/** Inside the private namespaces: a fresh machine, the snippet, then nothing may be left. */
async function sandboxed(node, script) {
  const sh = (command) => must('sh', ['-c', command]);
  if (!existsSync('/run/netns')) sh('mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p /run/netns');
  sh(`mount -t tmpfs -o mode=0755 tmpfs /run/netns && ip link set lo up && ip addr add ${MACHINE_ADDRESS} dev lo`);
  const state = () => ({ links: sh('ip -o link show | cut -d: -f2 | sort').trim(), netns: readdirSync('/run/netns').sort().join(' ') });
  const before = state();
  const result = run(node, [script], { stdio: 'inherit', timeout: RUN_TIMEOUT_MS });
  if (result.status !== 0) {
    console.error(`exit ${result.status ?? result.signal}${result.signal === 'SIGTERM' ? ` (still running after ${RUN_TIMEOUT_MS} ms)` : ''}`);
    process.exit(1);
  }
  const deadline = performance.now() + CLEANUP_WAIT_MS;
  let after = state();
  while ((after.links !== before.links || after.netns !== before.netns) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = state();
  }
  if (after.netns !== before.netns) {
    console.error(`left behind: named namespaces ${after.netns}`);
    process.exit(1);
  }
  if (after.links !== before.links) {
    console.error(`left behind: links (before: ${before.links.replace(/\n/g, ',')}; after ${CLEANUP_WAIT_MS} ms: ${after.links.replace(/\n/g, ',')})`);
    process.exit(1);
  }
}
