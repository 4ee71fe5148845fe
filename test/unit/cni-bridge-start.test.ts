/**
 * The cni-bridge executable as built (dist/bundle/cni-bridge.cjs, scripts/bundle-cni.mjs): VERSION,
 * which runtimes call before every ADD and DEL, is answered from the small first file alone, with
 * the same answer as the command line's main. Needs the build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cniMain } from '../../lib/cni/index.js';

const dir = fileURLToPath(new URL('../../dist/bundle/', import.meta.url));
const executable = `${dir}cni-bridge.cjs`;

/** The files of dist/bundle/ a VERSION call loads (CommonJS: what is in require.cache when it exits). */
function filesLoadedByVersion(): string[] {
  const preload = join(mkdtempSync(join(tmpdir(), 'cni-bridge-start-')), 'report.cjs');
  writeFileSync(preload, `process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));\n`);
  const r = spawnSync(process.execPath, ['--require', preload, executable], {
    env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' },
    input: '{"cniVersion":"1.0.0"}',
    encoding: 'utf8',
  });
  rmSync(dirname(preload), { recursive: true });
  return (JSON.parse(r.stderr) as string[]).filter((f) => f.startsWith(dir)).map((f) => f.slice(dir.length));
}

describe.skipIf(!existsSync(executable))('cni-bridge executable: VERSION', () => {
  it('answers as cniMain does, for supported, unsupported, missing and malformed versions', async () => {
    for (const stdin of ['{"cniVersion":"0.4.0","name":"n"}', '{"cniVersion":"9.9.9"}', '{"cniVersion":""}', '{}', 'not json', '']) {
      const r = spawnSync(process.execPath, [executable], { env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' }, input: stdin, encoding: 'utf8' });
      let expected = '';
      const status = await cniMain({ env: { CNI_COMMAND: 'VERSION' }, stdin: async () => Buffer.from(stdin), stdout: (t) => (expected += t), stderr: () => undefined });
      expect({ stdin, status: r.status, stdout: r.stdout }).toEqual({ stdin, status, stdout: expected });
    }
  });

  it('loads only the first file (CommonJS), a few KB without the configuration parser or the netlink engine', () => {
    expect(filesLoadedByVersion()).toEqual(['cni-bridge.cjs']);
    const code = readFileSync(executable, 'utf8');
    expect(code).toContain('supportedVersions');
    expect(code).not.toContain('parseBridgeConfig');
    expect(code).not.toContain('attachContainer');
    expect(statSync(executable).size).toBeLessThan(11_600);
  });
});

/** The source files bundled into `file` of dist/bundle/, from its source map. */
function bundledSources(file: string): string[] {
  return (JSON.parse(readFileSync(`${dir}${file}.map`, 'utf8')) as { sources: string[] }).sources.map((s) => s.replace(/^(\.\.\/)+/, ''));
}

const LEFT_OUT = /^(lib\/(tc|nat|monitor)|messages\/(tc|nftables|rule|neighbor|nexthop))\/|^lib\/sys\/(tcp-in-netns|netns-create-program|netns-create-image)\.ts$|^lib\/(rules|rule-messages|nexthops|rtnl\/neighbors)\.ts$|^messages\/struct-codecs-later\.ts$/;

describe.skipIf(!existsSync(`${dir}cni-bridge-engine-plain.cjs`))('cni-bridge executable: the plain engine', () => {
  it('has no tc, nftables, monitor, policy rule, neighbour, nexthop, namespace creation or TCP code, which the whole engine has', () => {
    const whole = bundledSources('cni-bridge-engine.cjs');
    const plain = bundledSources('cni-bridge-engine-plain.cjs');
    for (const dirName of ['lib/tc/', 'lib/nat/', 'lib/monitor/', 'messages/tc/', 'messages/nftables/']) expect(whole.some((s) => s.startsWith(dirName)), dirName).toBe(true);
    for (const file of ['lib/rules.ts', 'lib/nexthops.ts', 'lib/rtnl/neighbors.ts', 'messages/rule/index.ts', 'messages/neighbor/index.ts', 'messages/nexthop/index.ts', 'lib/sys/tcp-in-netns.ts', 'lib/sys/netns-create-program.ts']) expect(whole, file).toContain(file);
    expect(plain.filter((s) => LEFT_OUT.test(s))).toEqual([]);
    // Everything else of the whole engine is in it, but for what only a left-out module imports (a
    // TCP socket's connect, tcp-in-netns.ts's) and lib/sys/index.ts, which the plain engine keeps as a
    // module object for its re-exports of left-out modules.
    const besides = (s: string) => s.includes(':') || s === 'lib/sys/zoned-connect.ts' || s === 'lib/sys/index.ts';
    expect(plain.filter((s) => !besides(s)).sort()).toEqual(whole.filter((s) => !LEFT_OUT.test(s) && !besides(s)).sort());
    expect(statSync(`${dir}cni-bridge-engine-plain.cjs`).size).toBeLessThan(statSync(`${dir}cni-bridge-engine.cjs`).size * 0.85);
  });

  it('throws, naming the module, where a left-out export is read', () => {
    const code = readFileSync(`${dir}cni-bridge-engine-plain.cjs`, 'latin1').replace(/\\\n/g, '');
    // The stand-in of messages/tc/index.ts, whose qdisc and filter bodies the rtnetlink decoder reads when a tc message comes.
    // The bundle is minified for whitespace, its lines broken wherever esbuild could (inside strings with a backslash).
    // Its parameters' names are shortened (scripts/bundle-lazy.mjs).
    const stand = /"cni-left-out:messages\/tc\/index\.ts"\s*\(\s*[\w$]+\s*,\s*([\w$]+)\s*\)\s*\{\s*\1\.exports\s*=\s*(Object\.create\(\s*new Proxy\([\s\S]*?\}\s*\)\s*\))\s*;?\s*\}/.exec(code);
    expect(stand).not.toBeNull();
    const exports = new Function(`return ${stand![2]}`)() as Record<string, unknown>;
    expect(exports.__esModule).toBeUndefined();
    expect(() => exports.qdiscBody).toThrow(/ is not in cni-bridge-engine-plain\.cjs \(qdiscBody was read\)/);
  });
});

describe.skipIf(!existsSync(`${dir}cni-bridge-shared.cjs`))('cni-bridge executable: the shared bundle', () => {
  // esbuild breaks the minified bundles' lines wherever it can, inside strings too (with a backslash).
  const oneLine = (code: string) => code.replace(/\\?\n/g, '');
  it('hands the engines the values they import in one array, each read by an engine, with no object or getter made per module or name', () => {
    const { sharedModules } = createRequire(import.meta.url)(`${dir}cni-bridge-shared.cjs`) as { sharedModules: () => unknown[] };
    const handed = sharedModules();
    expect(Array.isArray(handed)).toBe(true);
    expect(sharedModules()).toBe(handed);
    const accessors = Object.values(Object.getOwnPropertyDescriptors(handed)).filter((d) => d.get !== undefined || d.set !== undefined);
    expect(accessors).toEqual([]);
    // The engines' errors are the shared bundle's classes, read through the array.
    expect(handed.some((value) => typeof value === 'function' && value.name === 'NetnsRtnlError')).toBe(true);
    // Each engine reads a handed module's values as `h = require(shared).sharedModules(), a = h[i], b = h[j]`, koffi as `...sharedModules()[i]`.
    const read = new Set<number>();
    for (const file of ['cni-bridge-engine.cjs', 'cni-bridge-engine-plain.cjs']) {
      const code = oneLine(readFileSync(`${dir}${file}`, 'latin1'));
      for (const [, name, names] of code.matchAll(/([\w$]+)=require\("\.\/cni-bridge-shared\.cjs"\)\.sharedModules\(\)((?:,[\w$]+=[\w$]+\[\d+\])*)/g)) {
        for (const [, array, index] of names!.matchAll(/,[\w$]+=([\w$]+)\[(\d+)\]/g)) {
          expect(array).toBe(name);
          read.add(Number(index));
        }
      }
      for (const [, index] of code.matchAll(/require\("\.\/cni-bridge-shared\.cjs"\)\.sharedModules\(\)\[(\d+)\]/g)) read.add(Number(index));
    }
    expect([...read].sort((a, b) => a - b)).toEqual(handed.map((_, i) => i));
  });
  it('gives the engines one copy of each class: both take the shared modules they import from it, bundling none again', () => {
    for (const file of ['cni-bridge-engine.cjs', 'cni-bridge-engine-plain.cjs']) {
      const code = oneLine(readFileSync(`${dir}${file}`, 'latin1'));
      for (const name of ['NetnsRtnlError', 'CniError', 'SystemCallError']) expect(new RegExp(`\\b${name}=class\\b`).test(code), `${file}: ${name}`).toBe(false);
      expect(code.includes('require("./cni-bridge-shared.cjs").sharedModules()'), file).toBe(true);
    }
    const shared = oneLine(readFileSync(`${dir}cni-bridge-shared.cjs`, 'latin1'));
    for (const name of ['NetnsRtnlError', 'CniError', 'SystemCallError']) expect(new RegExp(`\\b${name}=class\\b`).test(shared), name).toBe(true);
  });
});

describe.skipIf(!existsSync(executable))('cni-bridge executable: its code caches', () => {
  it('keeps a cache file per command: ADD and DEL each load only what their own calls ran', () => {
    const at = mkdtempSync(join(tmpdir(), 'cni-bridge-caches-'));
    const files = () => readdirSync(join(at, `netns-rtnl-code-cache-${process.getuid!()}`));
    // Neither finds the namespace's variables it needs: the command line reports the error, after
    // the shared bundle and the engine were loaded (and their caches written at exit).
    for (const command of ['ADD', 'DEL']) {
      const r = spawnSync(process.execPath, [executable], { env: { PATH: process.env.PATH, TMPDIR: at, CNI_COMMAND: command }, input: '{"cniVersion":"1.0.0","name":"n","type":"cni-bridge"}', encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(1);
    }
    const shared = statSync(`${dir}cni-bridge-shared.cjs`);
    const ofShared = files().filter((f) => f.startsWith(`${shared.dev}-${shared.ino}-`));
    rmSync(at, { recursive: true });
    expect(ofShared.map((f) => f.replace(/^[\d-]+/, '').replace(/-v\d.*$/, '')).sort()).toEqual(['ADD', 'DEL']);
  });
});

describe.skipIf(!existsSync(executable))('cni-bridge executable: its answer', () => {
  it('arrives whole through a non-blocking pipe read only after it exits, though larger than the pipe holds', async () => {
    // The executable ends as soon as it has answered (process.exit, not the event loop's end): an
    // answer the pipe cannot take at once must still be written out first. A 200 KB error answer:
    // CNI_NETNS names no namespace, and the message quotes it.
    const at = mkdtempSync(join(tmpdir(), 'cni-bridge-answer-'));
    const fifo = join(at, 'stdout');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const netns = `/nonexistent/${'n'.repeat(100_000)}`;
    const env = { PATH: process.env.PATH, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' };
    const child = spawn(process.execPath, [executable], { env, stdio: ['pipe', writer, 'ignore'] });
    closeSync(writer);
    child.stdin!.end('{"cniVersion":"1.0.0","name":"n","type":"cni-bridge"}');
    // Still blocked on the full pipe, or gone: either way nothing is read until it exits.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(65_536);
    for (let tries = 0; tries < 1000; tries++) {
      let n: number;
      try {
        n = readSync(reader, buffer);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    closeSync(reader);
    rmSync(at, { recursive: true });
    const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code: number; msg: string };
    expect(answer.code).toBe(999);
    expect(answer.msg).toContain(netns);
    await new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(undefined)));
    expect(child.exitCode).toBe(1);
  });
});
