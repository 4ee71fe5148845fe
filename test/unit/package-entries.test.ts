/**
 * The package as a consumer imports it: `netns-rtnl`, `netns-rtnl/messages` and `netns-rtnl/cni`
 * resolve (package.json "exports") to the bundle scripts/bundle-package.mjs makes. They must export
 * what the sources' entry modules export, share one copy of every class, and load neither koffi nor
 * the built-in modules that only some calls need until a call needs them. Needs the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}dist/bundle/index.js`) && existsSync(`${root}dist/lib/index.js`);

/** Runs an ES module snippet in a fresh Node from the repository root (where the package can import itself). */
function run(code: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

let bundleTexts: { core: string; lazy: string } | undefined;
/** The package's core bundle and the part it loads lazily, as built (read once). */
function coreAndLazy(): { core: string; lazy: string } {
  return (bundleTexts ??= {
    core: readFileSync(`${root}dist/bundle/netns-rtnl.cjs`, 'utf8'),
    lazy: readFileSync(`${root}dist/bundle/netns-rtnl-lazy.cjs`, 'utf8'),
  });
}

/** Each of these functions is defined in the lazily loaded part, and not in the core. */
function expectDefinedOnlyInLazy(names: readonly string[]): void {
  const { core, lazy } = coreAndLazy();
  for (const name of names) {
    expect(core, name).not.toMatch(new RegExp(`function ${name}\\(`));
    expect(lazy, name).toMatch(new RegExp(`function ${name}\\(`));
  }
}

/** For a run() snippet: bundles(), the file names of the package's bundles loaded so far, in order. */
const LOADED_BUNDLES = "const bundles = () => [...globalThis[Symbol.for('netns-rtnl.loaded-bundles')].keys()].map((f) => f.split('/').pop());";

const ENTRIES = {
  'netns-rtnl': 'dist/lib/index.js',
  'netns-rtnl/messages': 'dist/messages/index.js',
  'netns-rtnl/cni': 'dist/lib/cni/index.js',
} as const;

describe.skipIf(!built)('package entry points (the bundle)', () => {
  it('export the same names as the compiled entry modules', () => {
    const out = run(`
      const entries = ${JSON.stringify(ENTRIES)};
      const names = {};
      for (const [spec, file] of Object.entries(entries)) {
        names[spec] = [Object.keys(await import(spec)).sort(), Object.keys(await import('./' + file)).sort()];
      }
      console.log(JSON.stringify(names));`);
    const names = JSON.parse(out) as Record<string, [string[], string[]]>;
    for (const [spec, [bundled, compiled]] of Object.entries(names)) {
      expect(compiled.length, spec).toBeGreaterThan(5);
      expect(bundled, spec).toEqual(compiled);
    }
  });

  it("keep the names of the compiled modules' functions, classes and methods (what stack traces and `name` show)", () => {
    // The bundles are minified for whitespace and syntax, never for identifiers; a class whose body
    // names itself, which esbuild makes `var X = class _X`, is named as written (scripts/class-names.mjs).
    const out = run(`
      const entries = ${JSON.stringify(ENTRIES)};
      const names = (m) => {
        const found = [];
        for (const [key, value] of Object.entries(m)) {
          if (typeof value !== 'function') continue;
          found.push(key + ' ' + value.name);
          const proto = value.prototype;
          if (proto) for (const k of Object.getOwnPropertyNames(proto)) {
            const d = Object.getOwnPropertyDescriptor(proto, k);
            for (const f of [d.value, d.get, d.set]) if (typeof f === 'function') found.push(key + '.' + k + ' ' + f.name);
          }
        }
        return found.sort();
      };
      const all = {};
      for (const [spec, file] of Object.entries(entries)) all[spec] = [names(await import(spec)), names(await import('./' + file))];
      console.log(JSON.stringify(all));`);
    for (const [spec, [bundled, compiled]] of Object.entries(JSON.parse(out) as Record<string, [string[], string[]]>)) {
      expect(compiled.length, spec).toBeGreaterThan(5);
      expect(bundled, spec).toEqual(compiled);
    }
  });

  it('share one copy of every class and value between entry points', () => {
    const out = run(`
      const [main, messages, cni] = await Promise.all([import('netns-rtnl'), import('netns-rtnl/messages'), import('netns-rtnl/cni')]);
      const shared = [];
      for (const [a, b] of [[main, messages], [main, cni], [messages, cni]]) {
        for (const name of Object.keys(a)) if (name in b) shared.push([name, a[name] === b[name]]);
      }
      console.log(JSON.stringify(shared));`);
    const shared = JSON.parse(out) as Array<[string, boolean]>;
    expect(shared.map(([name]) => name)).toContain('NetlinkDecodeError');
    expect(shared.filter(([, same]) => !same).map(([name]) => name)).toEqual([]);
  });

  it('load koffi, child_process, net and crypto only when a call needs them', () => {
    const out = run(`
      import { readFileSync } from 'node:fs';
      // koffi is a native addon: once loaded, its shared object is mapped into the process.
      const loaded = () => ({
        koffi: readFileSync('/proc/self/maps', 'utf8').includes('koffi'),
        builtins: process.moduleLoadList.filter((m) => /^NativeModule (child_process|net|crypto)$/.test(m)),
      });
      const { openNetlinkSocket } = await import('netns-rtnl');
      await import('netns-rtnl/cni');
      const before = loaded();
      const socket = openNetlinkSocket();
      socket.close();
      console.log(JSON.stringify({ before, after: loaded() }));`);
    const { before, after } = JSON.parse(out) as Record<'before' | 'after', { koffi: boolean; builtins: string[] }>;
    expect(before).toEqual({ koffi: false, builtins: [] });
    expect(after.koffi).toBe(true);
  });

  it('load neither os nor module at import (nor the source map code module takes in): about 2 M instructions', () => {
    const out = run(`
      const before = new Set(process.moduleLoadList);
      await import('netns-rtnl');
      await import('netns-rtnl/cni');
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule (os|module|internal\\/source_map\\/source_map)$/.test(m))));`);
    expect(JSON.parse(out)).toEqual([]);
  });

  it('are one ES module each, importing no other file (each ES module more is 1-2.5 M instructions of Node loader per import)', () => {
    for (const file of ['index.js', 'messages.js', 'cni.js']) {
      const source = readFileSync(`${root}dist/bundle/${file}`, 'latin1');
      expect(source.match(/\bimport\s*(\{[^}]*\}|\w+|\*\s*as\s+\w+)?\s*(from\s*)?["'][^"']*["']/g) ?? [], file).toEqual([]);
      expect(source.match(/\bimport\(["'](?!node:module["'])/g) ?? [], file).toEqual([]);
    }
  });

  it('run struct-fu (the reference layouts) only when a layout is read', () => {
    // esbuild's eager form of a bundled CommonJS import, run at load: `__toESM(require_x())` at top level.
    const bundle = readFileSync(`${root}dist/bundle/netns-rtnl.cjs`, 'latin1');
    expect(bundle).not.toMatch(/=__toESM\(require_lib\(\)/);
    const out = run(`
      const m = await import('netns-rtnl/messages');
      const structs = Object.values(m).filter((v) => v && typeof v === 'object' && 'layout' in v && 'fields' in v);
      console.log(JSON.stringify(structs.map((s) => [s.size, s.layout.size])));`);
    const sizes = JSON.parse(out) as Array<[number, number]>;
    expect(sizes.length).toBeGreaterThan(5);
    for (const [size, layout] of sizes) expect(layout).toBe(size);
  });

  it('load and work where Node has no process.getBuiltinModule (before 20.16): built-in modules through createRequire', () => {
    const out = run(`
      process.getBuiltinModule = undefined;
      const { Namespace, errnoName } = await import('netns-rtnl');
      const ns = Namespace.current({ timeoutMs: 2000 });
      const lo = await ns.link('lo');
      ns.close();
      console.log(JSON.stringify({ lo: lo.name, errno: errnoName(17) }));`);
    expect(JSON.parse(out)).toEqual({ lo: 'lo', errno: 'EEXIST' });
  });

  it('never load perf_hooks: requests, their deadlines and dumps run on a clock Node has loaded already', () => {
    // The first read of Node's performance global loads perf_hooks and ten internal modules (1.7-3 ms
    // of CPU), which a fresh process would pay inside its first request.
    const out = run(`
      const perfHooks = () => process.moduleLoadList.includes('NativeModule perf_hooks');
      const { Namespace } = await import('netns-rtnl');
      const before = perfHooks();
      const ns = Namespace.current({ timeoutMs: 2000 });
      await ns.link('lo');
      await ns.links();
      ns.close();
      console.log(JSON.stringify({ before, after: perfHooks() }));`);
    expect(JSON.parse(out)).toEqual({ before: false, after: false });
  });

  it("load koffi's prebuilt binary directly in a glibc process, without koffi's loader", () => {
    const out = run(`
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const { openNetlinkSocket } = await import('netns-rtnl');
      openNetlinkSocket().close();
      const required = Object.keys(createRequire(process.cwd() + '/').cache).filter((f) => f.includes('koffi'));
      const mapped = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(' ').pop()).filter((f) => f.includes('koffi')))];
      console.log(JSON.stringify({ required, mapped }));`);
    const { required, mapped } = JSON.parse(out) as Record<'required' | 'mapped', string[]>;
    expect(required).toEqual([]);
    expect(mapped.map((f) => f.replace(/.*node_modules\//, ''))).toEqual([`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`]);
  });

  it('are ASCII, as bin/run-bundle.ts reads them (latin1)', () => {
    for (const file of ['netns-rtnl.cjs', 'netns-rtnl-cni.cjs', 'cni-bridge-engine.cjs']) {
      expect(readFileSync(`${root}dist/bundle/${file}`, 'utf8').match(/[^\0-\x7f]/gu) ?? [], file).toEqual([]);
    }
  });

  it('carry only the reading part of the code cache loader; the core and the executable\'s shared bundle carry the writing part', () => {
    // The entry points and the executable's first file are compiled from source at every import or
    // call; the code that writes a cache (bin/keep-code-cache.ts) is in bundles that are themselves cached.
    for (const file of ['index.js', 'messages.js', 'cni.js', 'cni-bridge.cjs']) {
      const code = readFileSync(`${root}dist/bundle/${file}`, 'latin1');
      expect(code, file).toContain('function runBundle(');
      for (const writing of ['function keepCodeCache(', 'function writeCache(', 'function rewriteAtExit(', 'setImmediate(']) expect(code, `${file}: ${writing}`).not.toContain(writing);
    }
    for (const file of ['netns-rtnl.cjs', 'cni-bridge-shared.cjs']) expect(readFileSync(`${root}dist/bundle/${file}`, 'latin1'), file).toContain('function keepCodeCache(');
  });

  it('have short lines though minified: Node prints the line an uncaught error was thrown on', () => {
    for (const file of ['netns-rtnl.cjs', 'netns-rtnl-cni.cjs', 'index.js', 'messages.js', 'cni.js', 'cni-bridge.cjs', 'cni-bridge-shared.cjs', 'cni-bridge-engine.cjs', 'cni-bridge-engine-plain.cjs']) {
      const lines = readFileSync(`${root}dist/bundle/${file}`, 'latin1').split('\n');
      expect(Math.max(...lines.map((l) => l.length)), file).toBeLessThan(2_000);
    }
  });

  it('are bundles with nothing deferred behind an init wrapper (a dynamic import of our own code is bundled as a static one)', () => {
    for (const file of ['netns-rtnl.cjs', 'netns-rtnl-cni.cjs']) {
      const bundle = readFileSync(`${root}dist/bundle/${file}`, 'utf8');
      expect(bundle.match(/__esm\(/g) ?? [], file).toEqual([]);
    }
    expect(readFileSync(`${root}dist/bundle/netns-rtnl-cni.cjs`, 'utf8')).toContain('attachContainer');
  });

  it('keep the CNI entry\'s own code out of the core, and take every module of the core from it', () => {
    // `import('netns-rtnl')` reads, deserialises and runs none of lib/cni; `netns-rtnl/cni` bundles
    // only what the core lacks, so a Namespace or an error class is the core's in both.
    const core = readFileSync(`${root}dist/bundle/netns-rtnl.cjs`, 'utf8');
    const cni = readFileSync(`${root}dist/bundle/netns-rtnl-cni.cjs`, 'utf8');
    expect(core).not.toContain('attachContainer');
    for (const name of ['Namespace', 'VethPair', 'Bridge', 'NetnsRtnlError', 'Nftables']) {
      expect(core, name).toMatch(new RegExp(`\\b${name}=class\\b`));
      expect(cni, name).not.toMatch(new RegExp(`\\b${name}=class\\b`));
    }
    expect(cni).toContain('.sharedModules()');
    const out = run(`
      const { Namespace, NetnsRtnlError } = await import('netns-rtnl');
      const before = globalThis[Symbol.for('netns-rtnl.loaded-bundles')].size;
      const { attachContainer, CniError } = await import('netns-rtnl/cni');
      const after = globalThis[Symbol.for('netns-rtnl.loaded-bundles')].size;
      let thrown;
      try {
        await attachContainer({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ipam: {} }, { containerId: 'c', ifname: '', netns: Namespace.current() });
      } catch (error) {
        thrown = error;
      }
      // CniError (the CNI bundle's) extends NetnsRtnlError: the core's class, not a copy of it.
      console.log(JSON.stringify({ before, after, core: thrown instanceof CniError && thrown instanceof NetnsRtnlError }));`);
    expect(JSON.parse(out)).toEqual({ before: 1, after: 2, core: true });
  });

  it('load the code of nftables, NAT, traffic control and the monitor only when one of their functions is first called, then as the core\'s own', () => {
    // scripts/bundle-lazy-part.mjs: the core has stand-ins for those modules; the lazy part takes the
    // core's modules (errors, validation) from the core, so what it throws is the core's class.
    const { lazy } = coreAndLazy();
    expectDefinedOnlyInLazy(['publishChanges', 'masqueradeChanges', 'limitBandwidth', 'qdiscMessage', 'reconcile', 'newRule']);
    for (const name of ['NetnsRtnlError', 'InvalidArgumentError', 'Connection']) expect(lazy, name).not.toMatch(new RegExp(`\\b${name}=class\\b`));
    const out = run(`
      ${LOADED_BUNDLES}
      const m = await import('netns-rtnl');
      const atImport = bundles();
      const ns = m.Namespace.current({ timeoutMs: 2000 });
      const values = [typeof m.Nat, typeof m.Nftables.open, m.NAT_TABLE, m.PUBLISH_CHAINS, m.MONITOR_GROUPS.link, typeof ns.tc, typeof ns.nat];
      const beforeCall = bundles();
      let thrown;
      try {
        await ns.tc.limitBandwidth('lo', { egress: { rate: 0 } });
      } catch (error) {
        thrown = error;
      }
      const afterCall = bundles();
      const codec = m.NFNETLINK_CODEC.decode === (await import('netns-rtnl/messages')).decodeNftMessages;
      ns.close();
      console.log(JSON.stringify({ atImport, values, beforeCall, afterCall, core: thrown instanceof m.InvalidArgumentError && thrown.field, codec }));`);
    expect(JSON.parse(out)).toEqual({
      atImport: ['netns-rtnl.cjs'],
      values: ['function', 'function', 'netns_rtnl_nat', { prerouting: 0, output: 3 }, 1, 'object', 'object'],
      beforeCall: ['netns-rtnl.cjs'],
      afterCall: ['netns-rtnl.cjs', 'netns-rtnl-lazy.cjs'],
      core: 'rate',
      codec: true,
    });
  });

  it('hold the Monitor and Nat classes in the core and their methods in the lazily loaded part, loaded by the first monitor made or NAT call', () => {
    // lib/monitor/monitor.ts and lib/nat/nat.ts keep the classes the package exports; what they do is
    // in lib/monitor/monitor-run.ts and lib/nat/nat-run.ts, which the core has stand-ins for.
    const { core, lazy } = coreAndLazy();
    expectDefinedOnlyInLazy(['monitorRun', 'natRun']);
    // Method bodies of each (what Monitor calls on its queue, two private methods of Nat's).
    for (const method of ['takeBackUnread(', 'keepOne(', 'familyRules(']) {
      expect(core.includes(method), method).toBe(false);
      expect(lazy.includes(method), method).toBe(true);
    }
    for (const name of ['Monitor', 'Nat']) expect(core, name).toMatch(new RegExp(`\\b${name}=class\\b`));
    const out = run(`
      ${LOADED_BUNDLES}
      const m = await import('netns-rtnl');
      const ns = m.Namespace.current({ timeoutMs: 2000 });
      const nat = ns.nat;
      const withNat = bundles();
      let thrown;
      try {
        await nat.masquerade({ source: 'nowhere' });
      } catch (error) {
        thrown = error;
      }
      const afterNatCall = bundles();
      let monitorThrown;
      try {
        ns.monitor({ groups: ['no-such-group'] });
      } catch (error) {
        monitorThrown = error;
      }
      ns.close();
      console.log(JSON.stringify({ withNat, afterNatCall, nat: thrown instanceof m.InvalidArgumentError && thrown.field, monitor: monitorThrown instanceof m.InvalidArgumentError && monitorThrown.field }));`);
    expect(JSON.parse(out)).toEqual({ withNat: ['netns-rtnl.cjs'], afterNatCall: ['netns-rtnl.cjs', 'netns-rtnl-lazy.cjs'], nat: 'source', monitor: 'groups' });
  });

  it('load the codecs of neighbour, rule, traffic control and nexthop messages, and the rule and nexthop objects, only when first used', () => {
    // messages/message.ts reads those body codecs through laterBody (messages/later-bodies.ts), and
    // lib/namespace-tables.ts makes its Nexthops through nexthopsOf, and lib/rules.ts's Rules makes and
    // reads its messages with lib/rule-messages.ts: functions all, so the core has stand-ins for their modules.
    const { core } = coreAndLazy();
    expectDefinedOnlyInLazy(['laterBody', 'nexthopMessage', 'toNexthop', 'tcBody', 'ruleMessage', 'toRule']);
    for (const name of ['neighborAttributes', 'ruleAttributes', 'nexthopAttributes']) expect(core, name).not.toMatch(new RegExp(`\\b${name}=`));
    const out = run(`
      ${LOADED_BUNDLES}
      const m = await import('netns-rtnl');
      const ns = m.Namespace.current({ timeoutMs: 2000 });
      const atImport = bundles();
      let thrown;
      try {
        await ns.addNexthop({ id: 7 });
      } catch (error) {
        thrown = error;
      }
      const afterCall = bundles();
      let ruleThrown;
      try {
        await ns.addRule({ from: 'nowhere' });
      } catch (error) {
        ruleThrown = error;
      }
      ns.close();
      const msg = await import('netns-rtnl/messages');
      const neighbor = { kind: 'neighbor', type: msg.RTM_NEWNEIGH, flags: 0, seq: 1, pid: 0, body: { family: 2, ifindex: 3, state: msg.NUD_PERMANENT, flags: 0, type: 0, attrs: { dst: '10.0.0.9' } } };
      const [decoded] = msg.decodeMessages(msg.encodeMessage(neighbor));
      console.log(JSON.stringify({ atImport, afterCall, core: thrown instanceof m.InvalidArgumentError && ruleThrown instanceof m.InvalidArgumentError && ruleThrown.field, decoded: [decoded.kind, decoded.body.state, decoded.body.attrs.dst], bodies: typeof msg.neighborBody.decode }));`);
    expect(JSON.parse(out)).toEqual({
      atImport: ['netns-rtnl.cjs'],
      afterCall: ['netns-rtnl.cjs', 'netns-rtnl-lazy.cjs'],
      core: 'from',
      decoded: ['neighbor', 0x80, '10.0.0.9'],
      bodies: 'function',
    });
  });

  it('load the lazily loaded part with netns-rtnl/messages, whose nftables namespace is its', () => {
    const out = run(`
      const m = await import('netns-rtnl/messages');
      const bundles = [...globalThis[Symbol.for('netns-rtnl.loaded-bundles')].keys()].map((f) => f.split('/').pop());
      const compiled = await import('./dist/messages/nftables/index.js');
      const kinds = (o) => Object.entries(o).map(([k, v]) => k + ' ' + typeof v + ' ' + (typeof v === 'function' ? v.length : ''));
      console.log(JSON.stringify({ bundles, frozen: Object.isFrozen(m.nftables), same: JSON.stringify(kinds(m.nftables)) === JSON.stringify(kinds(compiled)), decode: m.decodeNftMessages === m.nftables.decodeNftMessages }));`);
    expect(JSON.parse(out)).toEqual({ bundles: ['netns-rtnl.cjs', 'netns-rtnl-lazy.cjs'], frozen: true, same: true, decode: true });
  });
});
