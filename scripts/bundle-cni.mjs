#!/usr/bin/env node
// Bundles the cni-bridge executable (part of `npm run build`): dist/bundle/cni-bridge.cjs and the
// code it loads only for commands that touch the network, dist/bundle/cni-bridge-engine.cjs.
//
// A CNI plugin is a new process per call, and runtimes call VERSION before ADD and DEL: the
// executable must start fast. Both files are CommonJS: an ES module entry point (or any import())
// makes Node set up its ES module loader first, several ms of CPU on every call. One bundle per
// file instead of ~60 modules spares Node resolving, reading and compiling them one by one. The
// engine (lib/cni/main.ts and everything behind its import of bridge.js) is a file of its own, so
// VERSION and argument errors read and compile only the small first file; inside the engine the
// sources' dynamic imports are static ones (no lazy-init wrappers V8 would parse twice), and it is
// loaded with the package's code cache (bin/run-bundle.ts). koffi and Node's built-in modules are
// bound lazily (scripts/bundle-lazy.mjs); the netlink binding (event sockets only) stays outside.
//
// The engine is built twice: whole, and plain (dist/bundle/cni-bridge-engine-plain.cjs) for the call
// a runtime makes most, an ADD without ipMasq, port mappings or bandwidth (lib/cni/first-stage.ts
// picks it). The plain engine leaves out traffic control, nftables NAT and the monitor, which
// lib/namespace.ts imports whatever the caller uses: their code, their attribute tables and struct
// layouts built at load, and their share of the code cache (bench/results/cniadd-2026-12-04-f.md).
import { build } from 'esbuild';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handedModules, handover, importedNames, provide, receive } from './bundle-handover.mjs';
import { COMMONJS, lazyModules, loaderReady, staticImports } from './bundle-lazy.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
const ENGINE = 'cni-bridge-engine.cjs';
const PLAIN_ENGINE = 'cni-bridge-engine-plain.cjs';
/**
 * Modules the plain engine leaves out: tc, nftables NAT and the monitor, and their messages; and what
 * an ADD never runs: policy rules, neighbours and nexthops (their messages too), namespace creation
 * (the runtime made the namespace) and TCP sockets in a namespace (port mappings are the whole
 * engine's). What they save an ADD: bench/results/start-2026-12-05-n.md and start-2026-12-05-r.md.
 */
const NOT_IN_PLAIN = /^(lib\/(tc|nat|monitor)|messages\/(tc|nftables|rule|neighbor|nexthop))\/|^lib\/sys\/(tcp-in-netns|netns-create-program|netns-create-image)\.ts$|^lib\/(rules|rule-messages|nexthops|rtnl\/neighbors)\.ts$|^messages\/struct-codecs-later\.ts$/;
const SHARED = 'cni-bridge-shared.cjs';
const EARLY = 'lib/cni/first-stage.ts';
/**
 * The code cache keeper (bin/keep-code-cache.ts): in the shared bundle, whose code cache holds its
 * code, rather than in the first file, compiled from source at every call. The first file runs each
 * bundle (bin/run-bundle.ts) and hands it to the shared bundle's keeper.
 */
const KEEPER = 'bin/keep-code-cache.ts';
/** The engine: lib/cni/main.ts and what it imports that the shared bundle does not hand it. */
const ENGINE_SOURCE = 'lib/cni/main.ts';
// Earlier builds wrote ES module chunks with hashed names: leave none behind.
for (const file of readdirSync(outdir, { withFileTypes: true })) {
  if (file.isFile() && /^cni-bridge(-engine-\w+)?\.js(\.map)?$/.test(file.name)) rmSync(`${outdir}/${file.name}`);
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  ...COMMONJS,
  target: 'node20',
  external: ['netlink'],
  sourcemap: true,
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['bin/cni-bridge.ts'], outfile: `${outdir}/cni-bridge.cjs`, plugins: [lazyModules] });

// The shared bundle: lib/cni/first-stage.ts and every module it takes in. It hands the engines the
// modules of its own they import (scripts/bundle-handover.mjs), made into one object only when an
// engine is loaded (a plain DEL loads none).
const probe = { ...common, write: false, metafile: true, sourcemap: false, outdir: '/nowhere' };
const sharedInputs = (await build({ ...probe, entryPoints: [EARLY, KEEPER], plugins: [lazyModules] })).metafile.inputs;
const engineInputs = (await build({ ...probe, entryPoints: [ENGINE_SOURCE], plugins: [staticImports, lazyModules] })).metafile.inputs;
const handedPaths = handedModules(sharedInputs, engineInputs);
const handed = await handover(common, handedPaths, importedNames(root, sharedInputs, handedPaths, engineInputs));
const provider = provide(handed);
await build({
  ...common,
  stdin: {
    contents: [
      `export * from ${JSON.stringify(`./${EARLY}`)};`,
      `export { baselineOffWhileCaching, keepCodeCache } from ${JSON.stringify(`./${KEEPER}`)};`,
      ...provider.imports,
      `export const sharedModules = ${provider.sharedModules};`,
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'cni-bridge-shared',
    loader: 'ts',
  },
  outfile: `${outdir}/${SHARED}`,
  plugins: [lazyModules],
});
await loaderReady(`${outdir}/${SHARED}`);
const fromShared = receive(root, `./${SHARED}`, handed);
await build({ ...common, entryPoints: [ENGINE_SOURCE], outfile: `${outdir}/${ENGINE}`, plugins: [fromShared, staticImports, lazyModules] });
await loaderReady(`${outdir}/${ENGINE}`);

/**
 * In the plain engine, each module left out is a stand-in whose every export throws when read
 * (through esbuild's CommonJS interop, which looks names up on the stand-in's prototype): a plain
 * ADD that reached one would fail loudly rather than run without it. Reading happens where a name
 * is used, not at load, so only the module's top level must not use them (tested by every ADD).
 */
const leftOut = {
  name: 'left-out',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData?.leftOut || args.namespace !== 'file') return undefined;
      const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { ...args.pluginData, leftOut: true } });
      if (resolved.errors.length || resolved.namespace !== 'file') return resolved;
      const key = relative(root, resolved.path);
      return NOT_IN_PLAIN.test(key) && !(key in sharedInputs) ? { path: key, namespace: 'cni-left-out' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'cni-left-out' }, (args) => ({
      contents: `module.exports = Object.create(new Proxy({}, { get(_, name) { if (name === '__esModule' || typeof name === 'symbol') return undefined; throw new Error(${JSON.stringify(`netns-rtnl: ${args.path} is not in ${PLAIN_ENGINE} (`)} + String(name) + ' was read)'); } }));\n`,
      loader: 'js',
    }));
  },
};
await build({ ...common, entryPoints: [ENGINE_SOURCE], outfile: `${outdir}/${PLAIN_ENGINE}`, plugins: [leftOut, fromShared, staticImports, lazyModules] });
await loaderReady(`${outdir}/${PLAIN_ENGINE}`);
chmodSync(`${outdir}/cni-bridge.cjs`, 0o755);
