#!/usr/bin/env node
// Bundles the package's entry points (part of `npm run build`): `netns-rtnl`, `netns-rtnl/messages`
// and `netns-rtnl/cni` load dist/bundle/index.js, messages.js and cni.js, three files of re-exports
// from one module, dist/bundle/netns-rtnl.js, that holds the code of all three.
//
// Loaded as the ~90 files tsc writes, Node spends most of an import resolving, reading and linking
// them one by one; one module is read and compiled at once. One module (rather than one bundle per
// entry point) keeps one copy of every class, so an error thrown by `netns-rtnl` code is an
// instance of the class `netns-rtnl/messages` exports, and a Namespace is one class for
// `netns-rtnl/cni` and its caller. koffi and Node's built-in modules are bound lazily
// (scripts/bundle-lazy.mjs); the netlink package (event sockets) stays outside.
// Types stay tsc's (dist/**/*.d.ts).
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lazyModules, staticImports } from './bundle-lazy.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
const CORE = 'netns-rtnl.js';
/** Output file: source entry point. */
const ENTRIES = { 'index.js': 'lib/index.ts', 'messages.js': 'messages/index.ts', 'cni.js': 'lib/cni/index.ts' };
const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['netlink'], logLevel: 'warning' };

/** The value names an entry point exports, as esbuild sees them (types are gone). */
async function exportNames(entry) {
  const result = await build({ ...common, entryPoints: [entry], write: false, metafile: true, outdir: '/nowhere', plugins: [lazyModules] });
  return Object.values(result.metafile.outputs).flatMap((o) => o.exports);
}

const names = Object.fromEntries(await Promise.all(Object.entries(ENTRIES).map(async ([file, entry]) => [file, await exportNames(entry)])));
// Inside the core every entry's names carry the entry's prefix, so equal names cannot clash.
const prefix = (file) => `${file.replace(/\.js$/, '')}$`;
const core = Object.entries(ENTRIES)
  .map(([file, entry]) => `export { ${names[file].map((n) => `${n} as ${prefix(file)}${n}`).join(', ')} } from './${entry}';`)
  .join('\n');

await build({
  ...common,
  stdin: { contents: core, resolveDir: root, sourcefile: 'netns-rtnl (all entry points)', loader: 'js' },
  outfile: `${outdir}/${CORE}`,
  sourcemap: true,
  plugins: [staticImports, lazyModules],
});
for (const file of Object.keys(ENTRIES)) {
  const list = names[file].map((n) => `${prefix(file)}${n} as ${n}`).join(', ');
  writeFileSync(`${outdir}/${file}`, `export { ${list} } from './${CORE}';\n`);
}
