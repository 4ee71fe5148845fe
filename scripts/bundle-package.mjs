#!/usr/bin/env node
// Bundles the package's entry points (part of `npm run build`): `netns-rtnl`, `netns-rtnl/messages`
// and `netns-rtnl/cni` load dist/bundle/index.js, messages.js and cni.js, three ES modules that each
// export their values from the code of all three: one CommonJS bundle, dist/bundle/netns-rtnl.cjs,
// loaded once per process with a V8 code cache (bin/load-bundle.ts and bin/run-bundle.ts, a copy in each
// entry; the cache written by bin/keep-code-cache.ts, which the core carries).
//
// Loaded as the ~90 files tsc writes, Node spends most of an import resolving, reading and linking
// them one by one; one bundle is read and compiled at once, and compiling it is then most of the
// cost, which the code cache takes away from every import but the first. CommonJS because a script
// can be compiled with a code cache of the package's own (an ES module only with Node's
// process-wide compile cache, which a library has no business switching on). One bundle (rather
// than one per entry point) keeps one copy of every class, so an error thrown by `netns-rtnl` code
// is an instance of the class `netns-rtnl/messages` exports, and a Namespace is one class for
// `netns-rtnl/cni` and its caller. koffi and Node's built-in modules are bound lazily
// (scripts/bundle-lazy.mjs); the netlink package (event sockets) stays outside. Types stay tsc's
// (dist/**/*.d.ts).
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handedModules, handover, importedNames, provide, receive } from './bundle-handover.mjs';
import { COMMONJS, lazyModules, LINE_LIMIT, loaderReady, staticImports } from './bundle-lazy.mjs';
import { coreImports, exportKinds, inLazyPart, LAZY_LOADER, lazyPart, standInsOf } from './bundle-lazy-part.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
const CORE = 'netns-rtnl.cjs';
/**
 * The CNI entry's own code, in a bundle of its own that takes every module the core has from the core.
 * `import('netns-rtnl')` then reads, deserialises and runs none of lib/cni (a tenth of the core):
 * bench/results/start-2026-12-05-o.md.
 */
const CNI_CORE = 'netns-rtnl-cni.cjs';
/**
 * The core's lazily loaded part (scripts/bundle-lazy-part.mjs's inLazyPart): modules which no export of
 * `netns-rtnl` needs while it is imported, loaded on the first call of one of their functions (the
 * first NAT, traffic control, monitor, rule or nexthop call, or the first neighbour, rule, traffic
 * control or nexthop message decoded or encoded; `netns-rtnl/messages` loads it at import, as its
 * `nftables` and `tc` namespaces and its neighbour, rule and nexthop names are theirs):
 * bench/results/start-2026-12-05-q.md, start-2026-12-06-u.md.
 */
const LAZY = 'netns-rtnl-lazy.cjs';
/** The entry point whose code is CNI_CORE's. */
const CNI_ENTRY = 'cni.js';
/** The module earlier builds wrote for the entry points to share (now each carries the loader). */
const LOADER = 'netns-rtnl.js';
/** Output file: source entry point. */
const ENTRIES = { 'index.js': 'lib/index.ts', 'messages.js': 'messages/index.ts', 'cni.js': 'lib/cni/index.ts' };
const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['netlink'], logLevel: 'warning' };

/** The value names an entry point exports, as esbuild sees them (types are gone). */
async function exportNames(entry) {
  const result = await build({ ...common, entryPoints: [entry], write: false, metafile: true, outdir: '/nowhere', plugins: [lazyModules] });
  return Object.values(result.metafile.outputs).flatMap((o) => o.exports);
}

const names = Object.fromEntries(await Promise.all(Object.entries(ENTRIES).map(async ([file, entry]) => [file, await exportNames(entry)])));
// An entry's `export * as name from './module.js'`: that module's names, gathered into the entry's
// object by the core itself (below) rather than by esbuild, whose namespace object is made when the
// bundle runs, whichever entry is imported.
const namespaces = Object.fromEntries(
  await Promise.all(
    Object.entries(ENTRIES).map(async ([file, entry]) => {
      const found = [...readFileSync(`${root}${entry}`, 'utf8').matchAll(/^export \* as (\w+) from '(\.[^']+)\.js';$/gm)];
      const modules = await Promise.all(found.map(async ([, name, from]) => [name, { path: `./${join(dirname(entry), from)}.ts`, names: await exportNames(`${join(dirname(entry), from)}.ts`) }]));
      return [file, Object.fromEntries(modules)];
    }),
  ),
);
// An entry's `export * from './module.js'` of a lazy module: each of its names, by the module's path,
// read from the lazy part (which an entry with one loads before its values are read), not from the
// core, whose stand-in for the module gives only functions and primitives.
const lazyStars = Object.fromEntries(
  await Promise.all(
    Object.entries(ENTRIES).map(async ([file, entry]) => {
      const found = [...readFileSync(`${root}${entry}`, 'utf8').matchAll(/^export \* from '(\.[^']+)\.js';$/gm)].map(([, from]) => `${join(dirname(entry), from)}.ts`).filter(inLazyPart);
      const modules = await Promise.all(found.map(async (path) => (await exportNames(path)).map((n) => [n, path])));
      return [file, Object.fromEntries(modules.flat())];
    }),
  ),
);
const lazyStarPaths = [...new Set(Object.values(lazyStars).flatMap((m) => Object.values(m)))];
const lazyStarSources = Object.keys(ENTRIES).filter((file) => Object.keys(lazyStars[file]).length > 0).map((file) => ENTRIES[file]);
// The modules of the core (the entries but the CNI one) and, of those, the ones the CNI entry's own
// modules import: the core hands them over to CNI_CORE (scripts/bundle-handover.mjs), which takes
// them from the core rather than bundling them again (one copy of every class and of koffi's loader).
const probe = { ...common, ...COMMONJS, write: false, metafile: true, outdir: '/nowhere', plugins: [staticImports, lazyModules] };
const CORE_ENTRIES = Object.keys(ENTRIES).filter((file) => file !== CNI_ENTRY);
/**
 * The module that keeps each bundle's code cache once an entry point's loader has run it: in the
 * core, whose code cache holds its code, rather than in the entry points, compiled from source at
 * every import (bin/keep-code-cache.ts).
 */
const KEEPER = 'bin/keep-code-cache.ts';
const coreStdin = { contents: [...CORE_ENTRIES.map((file) => ENTRIES[file]), KEEPER].map((path) => `import ${JSON.stringify(`./${path}`)};`).join('\n'), resolveDir: root, loader: 'js' };
const wholeInputs = (await build({ ...probe, stdin: coreStdin })).metafile.inputs;
const kinds = Object.fromEntries(await Promise.all(Object.keys(wholeInputs).filter(inLazyPart).map(async (path) => [path, await exportKinds(root, path)])));
// The core without the lazy part: a build that fails if a module of the core imports from the lazy
// part what it could not read before loading it (a class, an object).
const coreInputs = (await build({ ...probe, stdin: coreStdin, plugins: [lazyPart(root, inLazyPart, kinds, `./${LAZY}`), staticImports, lazyModules] })).metafile.inputs;
const namespacePath = (m) => m.path.slice(2);
const lazyNamespaces = Object.values(namespaces).flatMap((n) => Object.values(n).map(namespacePath)).filter(inLazyPart);
const used = coreImports(root, coreInputs, inLazyPart, kinds, lazyNamespaces, { sources: lazyStarSources, targets: lazyStarPaths });
const standIns = standInsOf(coreInputs);
// The lazy part's modules whose exports it gives: those the core has stand-ins for, and the entries' namespaces and `export *` modules among them.
const lazyExported = [...new Set([...standIns, ...lazyNamespaces, ...lazyStarPaths])].sort();
const lazyInputs = (await build({ ...probe, entryPoints: lazyExported })).metafile.inputs;
const cniInputs = (await build({ ...probe, entryPoints: [ENTRIES[CNI_ENTRY]] })).metafile.inputs;
const handedPaths = handedModules(coreInputs, cniInputs, lazyInputs);
const handed = await handover(common, handedPaths, importedNames(root, coreInputs, handedPaths, cniInputs, lazyInputs));
const lazyNames = (await handover(common, lazyExported)).names;
// Inside the core every entry's names carry the entry's prefix, so equal names cannot clash.
const prefix = (file) => `${file.replace(/\.js$/, '')}$`;
// The core's exports: per entry, a function that returns the entry's values in the order of
// names[file], so that importing one entry builds neither the others' values nor one object with
// every name of the three (an object literal of ~500 properties, made property by property).
// A namespace of the lazy part's is its module's exports as the lazy part gives them; an entry with one
// loads the lazy part before its values are read, so that every value is the lazy part's own.
const imports = CORE_ENTRIES.map((file) => [file, ENTRIES[file]]).flatMap(([file, entry]) => {
  const own = names[file].filter((n) => !(n in namespaces[file]) && !(n in lazyStars[file]));
  const nested = Object.entries(namespaces[file])
    .filter(([, m]) => !inLazyPart(namespacePath(m)))
    .map(([name, m]) => `import { ${m.names.map((n) => `${n} as ${prefix(file)}${name}$${n}`).join(', ')} } from '${m.path}';`);
  return [`import { ${own.map((n) => `${n} as ${prefix(file)}${n}`).join(', ')} } from './${entry}';`, ...nested];
});
const loadsLazyPart = (file) => Object.values(namespaces[file] ?? {}).some((m) => inLazyPart(namespacePath(m))) || Object.keys(lazyStars[file] ?? {}).length > 0;
const value = (file, n) => {
  if (n in lazyStars[file]) return `lazy$part()[${JSON.stringify(lazyStars[file][n])}].${n}`;
  if (!(n in namespaces[file])) return `${prefix(file)}${n}`;
  const m = namespaces[file][n];
  if (inLazyPart(namespacePath(m))) return `Object.freeze({ ...lazy$part()[${JSON.stringify(namespacePath(m))}] })`;
  return `Object.freeze({ ${m.names.map((k) => `${k}: ${prefix(file)}${n}$${k}`).join(', ')} })`;
};
const entryValues = (file) => `${JSON.stringify(file)}: () => ${loadsLazyPart(file) ? '(lazy$part(), ' : '('}[${names[file].map((n) => value(file, n)).join(', ')}])`;
const provider = provide(handed);
const core = [
  `import { lazyPart as lazy$part } from ${JSON.stringify(LAZY_LOADER)};`,
  ...imports,
  ...provider.imports,
  `import { keepCodeCache } from ${JSON.stringify(`./${KEEPER}`)};`,
  `module.exports = { ${CORE_ENTRIES.map(entryValues).join(', ')}, sharedModules: ${provider.sharedModules}, keepCodeCache };`,
].join('\n');

await build({
  ...common,
  ...COMMONJS,
  stdin: { contents: core, resolveDir: root, sourcefile: 'netns-rtnl (all entry points)', loader: 'js' },
  outfile: `${outdir}/${CORE}`,
  sourcemap: true,
  plugins: [lazyPart(root, inLazyPart, kinds, `./${LAZY}`, standIns, used), staticImports, lazyModules],
});
await loaderReady(`${outdir}/${CORE}`);

/** Builds `file`, a bundle loaded after the core that takes the core's modules from it, from the source `contents`. */
async function receiverOfCore(file, sourcefile, contents) {
  await build({
    ...common,
    ...COMMONJS,
    stdin: { contents, resolveDir: root, sourcefile, loader: 'js' },
    outfile: `${outdir}/${file}`,
    sourcemap: true,
    plugins: [receive(root, `./${CORE}`, handed), staticImports, lazyModules],
  });
  await loaderReady(`${outdir}/${file}`);
}

// The lazy part: its modules' exports by path.
await receiverOfCore(
  LAZY,
  'netns-rtnl (loaded on first use)',
  [
    ...lazyExported.map((path, i) => `import { ${lazyNames[path].map((n, k) => `${n} as lazy$${i}$${k}`).join(', ')} } from ${JSON.stringify(`./${path}`)};`),
    `module.exports = { modules: { ${lazyExported.map((path, i) => `${JSON.stringify(path)}: { ${lazyNames[path].map((n, k) => `${n}: lazy$${i}$${k}`).join(', ')} }`).join(', ')} } };`,
  ].join('\n'),
);

const cniOwn = names[CNI_ENTRY].filter((n) => !(n in namespaces[CNI_ENTRY]));
if (cniOwn.length !== names[CNI_ENTRY].length) throw new Error(`${ENTRIES[CNI_ENTRY]}: export * as is not supported in ${CNI_CORE}`);
await receiverOfCore(
  CNI_CORE,
  'netns-rtnl (CNI entry point)',
  `import { ${cniOwn.map((n) => `${n} as ${prefix(CNI_ENTRY)}${n}`).join(', ')} } from './${ENTRIES[CNI_ENTRY]}';\nmodule.exports = { ${entryValues(CNI_ENTRY)} };\n`,
);
// Each entry point: its values from the core, loaded by its own copy of bin/load-bundle.ts (built-in
// modules taken with require) rather than by an ES module the three import: one ES module fewer
// for Node to resolve, load and link at every import. loadBundleOnce gives all of them one core.
// The core requires the lazy part when first needed: loadBundleOnce loads it then, giving it the core.
// The core keeps its own code cache and those of the bundles loaded after it (its keepCodeCache).
// The folder from import.meta.dirname, which Node sets for every file module (20.11 and later; before,
// from the module's file URL, as Node made it: a path with no '/' of its own escaped, as fileURLToPath
// would give it without node:url): no URL made and turned back into a path for each bundle.
const bundlePath = (name) => `\`\${here}/${name}\``;
const afterCore = (name) => `loadBundleOnce(${bundlePath(name)}, { './${CORE}': c }, c.keepCodeCache)`;
const loadCore = `loadBundleOnce(${bundlePath(CORE)}, { get ${JSON.stringify(`./${LAZY}`)}() { const c = loadBundleOnce(${bundlePath(CORE)}); return ${afterCore(LAZY)}; } })`;
// One scratch buffer (bin/scratch-read.ts) for every bundle an import loads: the core, and the lazy
// part (messages.js) or the CNI entry's bundle.
const loadValues = (file) =>
  file === CNI_ENTRY
    ? `const values = withScratch(() => {\nconst c = ${loadCore};\nreturn ${afterCore(CNI_CORE)}[${JSON.stringify(file)}]();\n});`
    : `const values = withScratch(() => ${loadCore}[${JSON.stringify(file)}]());`;
for (const file of Object.keys(ENTRIES)) {
  const list = names[file].map((n, i) => `${n} = values[${i}]`).join(', ');
  await build({
    ...common,
    stdin: {
      contents: `const here = import.meta.dirname ?? decodeURIComponent(new URL('.', import.meta.url).pathname).slice(0, -1);\nimport { loadBundleOnce } from './bin/load-bundle.ts';\nimport { withScratch } from './bin/scratch-read.ts';\n${loadValues(file)}\nexport const ${list};\n`,
      resolveDir: root,
      sourcefile: `netns-rtnl (${file})`,
      loader: 'js',
    },
    outfile: `${outdir}/${file}`,
    minifyWhitespace: true,
    minifySyntax: true,
    lineLimit: LINE_LIMIT,
    plugins: [lazyModules],
  });
}
// The shared loader module earlier builds wrote (and the source map of the ES module bundle before it).
rmSync(`${outdir}/${LOADER}`, { force: true });
rmSync(`${outdir}/${LOADER}.map`, { force: true });
