#!/usr/bin/env node
// Bundles the package's entry points (part of `npm run build`): `netns-rtnl`, `netns-rtnl/messages`
// and `netns-rtnl/cni` load dist/bundle/index.js, messages.js and cni.js, three ES modules of
// re-exports from dist/bundle/netns-rtnl.js, which loads the code of all three: one CommonJS
// bundle, dist/bundle/netns-rtnl.cjs, compiled with a V8 code cache (bin/load-bundle.ts).
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
import { COMMONJS, lazyModules, LINE_LIMIT, loaderReady, staticImports } from './bundle-lazy.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
const CORE = 'netns-rtnl.cjs';
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
// Inside the core every entry's names carry the entry's prefix, so equal names cannot clash.
const prefix = (file) => `${file.replace(/\.js$/, '')}$`;
// The core's exports: per entry, a function that returns the entry's values in the order of
// names[file], so that importing one entry builds neither the others' values nor one object with
// every name of the three (an object literal of ~500 properties, made property by property).
const imports = Object.entries(ENTRIES).flatMap(([file, entry]) => {
  const own = names[file].filter((n) => !(n in namespaces[file]));
  const nested = Object.entries(namespaces[file]).map(([name, m]) => `import { ${m.names.map((n) => `${n} as ${prefix(file)}${name}$${n}`).join(', ')} } from '${m.path}';`);
  return [`import { ${own.map((n) => `${n} as ${prefix(file)}${n}`).join(', ')} } from './${entry}';`, ...nested];
});
const value = (file, n) =>
  n in namespaces[file] ? `Object.freeze({ ${namespaces[file][n].names.map((m) => `${m}: ${prefix(file)}${n}$${m}`).join(', ')} })` : `${prefix(file)}${n}`;
const exported = Object.keys(ENTRIES).map((file) => `${JSON.stringify(file)}: () => [${names[file].map((n) => value(file, n)).join(', ')}]`);
const core = `${imports.join('\n')}\nmodule.exports = { ${exported.join(', ')} };\n`;

await build({
  ...common,
  ...COMMONJS,
  stdin: { contents: core, resolveDir: root, sourcefile: 'netns-rtnl (all entry points)', loader: 'js' },
  outfile: `${outdir}/${CORE}`,
  sourcemap: true,
  plugins: [staticImports, lazyModules],
});
loaderReady(`${outdir}/${CORE}`);
// The loader: its own bundle of bin/load-bundle.ts, built-in modules taken with require.
await build({
  ...common,
  stdin: {
    contents: `import { fileURLToPath } from 'node:url';\nimport { loadBundle } from './bin/load-bundle.ts';\nexport default loadBundle(fileURLToPath(new URL('./${CORE}', import.meta.url)));\n`,
    resolveDir: root,
    sourcefile: 'netns-rtnl (loader)',
    loader: 'js',
  },
  outfile: `${outdir}/${LOADER}`,
  minifyWhitespace: true,
  lineLimit: LINE_LIMIT,
  plugins: [lazyModules],
});
// The source map of the ES module bundle earlier builds wrote in its place.
rmSync(`${outdir}/${LOADER}.map`, { force: true });
for (const file of Object.keys(ENTRIES)) {
  const list = names[file].map((n, i) => `${n} = values[${i}]`).join(', ');
  writeFileSync(`${outdir}/${file}`, `import core from './${LOADER}';\nconst values = core[${JSON.stringify(file)}]();\nexport const ${list};\n`);
}
