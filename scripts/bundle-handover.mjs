// One bundle handing its modules to another that is loaded after it in the same process, so that a
// module is bundled, run and given its classes once: the package's core hands the CNI entry's bundle
// (scripts/bundle-package.mjs) what it imports from the core, and the cni-bridge executable's shared
// bundle hands its engines what they import from it (scripts/bundle-cni.mjs).
//
// The provider's module.exports has `sharedModules()`, a function that makes, on its first call, one
// array: koffi's lazy loader first (one koffi per process), then each handed module's exports in
// the order the build gives them (handoverLayout). A process that never loads the receiver never
// makes the array. An array, not an object per module: the objects' shapes (a map and descriptors
// per property) were most of what the handover cost a process (bench/results/start-2026-12-05-r.md),
// and a namespace object would be a getter per name, each a function of its own. In the receiver,
// every import of a handed module is a module that reads its values from that array by index,
// requiring the provider by its file name (runBundle gives the receiver the provider's exports
// under that name: bin/run-bundle.ts).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { lazyModules } from './bundle-lazy.mjs';

/** koffi's lazy loader (scripts/bundle-lazy.mjs) as esbuild names it in a metafile, and its key in `sharedModules()`. */
export const KOFFI = 'lazy-module:koffi';
const NAMESPACE = 'handed-over';

/**
 * The modules a provider hands over: those of `providerInputs` (esbuild metafile input paths) that a
 * module of the receiver's own (one of `receiverInputs` the provider does not hold) imports, koffi
 * included; sorted.
 */
export function handedModules(providerInputs, ...receiverInputs) {
  const provided = new Set(Object.keys(providerInputs));
  const handed = new Set();
  for (const inputs of receiverInputs) {
    for (const [input, { imports }] of Object.entries(inputs)) {
      if (provided.has(input)) continue;
      for (const { path } of imports) if (provided.has(path) && (path === KOFFI || !path.includes(':'))) handed.add(path);
    }
  }
  return [...handed].sort();
}

/**
 * What a module imports from the package's other modules, read from the module as tsc compiled it
 * (dist/ under `root`), where imports of types are gone: each import's `target` (a path like the
 * module's own, `lib/x.ts`), `keyword` ('import' or 'export', for `export ... from`), and `names`,
 * the names imported, or undefined for the module taken whole (`* as`, `export *`, a dynamic import).
 */
export function compiledImports(root, path) {
  const compiled = readFileSync(`${root}dist/${path.replace(/\.ts$/, '.js')}`, 'utf8');
  const target = (specifier) => join(dirname(path), specifier).replace(/\.js$/, '.ts');
  const found = [];
  for (const [, keyword, clause, specifier] of compiled.matchAll(/\b(import|export)\s*([^'";]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    const names = named?.[1].split(',').map((n) => n.trim()).filter(Boolean).map((item) => item.split(/\s+as\s+/)[0]);
    found.push({ target: target(specifier), keyword, clause: clause.trim(), names });
  }
  for (const [, specifier] of compiled.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) found.push({ target: target(specifier), keyword: 'import', clause: 'import()', names: undefined });
  return found;
}

/**
 * The names the receivers' own modules (those of `receiverInputs` the provider does not hold) import
 * from each of the `handed` modules: a Map from a handed module's path to a Set of names, or to 'all'
 * for a module imported whole.
 */
export function importedNames(root, providerInputs, handed, ...receiverInputs) {
  const wanted = new Set(handed);
  const imported = new Map();
  for (const inputs of receiverInputs) {
    for (const input of Object.keys(inputs)) {
      if (input in providerInputs || !input.endsWith('.ts') || input.includes(':')) continue;
      for (const { target, names } of compiledImports(root, input)) {
        if (!wanted.has(target) || imported.get(target) === 'all') continue;
        if (names === undefined) imported.set(target, 'all');
        else for (const name of names) (imported.get(target) ?? imported.set(target, new Set()).get(target)).add(name);
      }
    }
  }
  return imported;
}

/**
 * A handover: its modules (from handedModules) with each one's export names, as esbuild sees them
 * (types are gone); with `imported` (importedNames), only the names the receivers import, so that
 * the provider's object holds no more than they read.
 */
export async function handover(options, modules, imported = undefined) {
  const files = modules.filter((path) => path !== KOFFI);
  const probe = await build({ ...options, format: 'esm', entryPoints: files, write: false, metafile: true, outdir: '/nowhere', sourcemap: false, plugins: [lazyModules] });
  const root = options.absWorkingDir;
  const names = Object.fromEntries(Object.values(probe.metafile.outputs).map((o) => [relative(root, join(root, o.entryPoint)), o.exports]));
  if (imported !== undefined) {
    for (const path of files) {
      const wanted = imported.get(path);
      if (wanted === undefined || wanted === 'all') continue;
      const missing = [...wanted].filter((n) => !names[path].includes(n));
      if (missing.length) throw new Error(`${path} does not export ${missing.join(', ')}, which a receiver imports`);
      names[path] = names[path].filter((n) => wanted.has(n));
    }
  }
  return { koffi: modules.includes(KOFFI), files, names };
}

/**
 * Where each handed value is in the provider's array: `koffi`'s index (or undefined), and for each
 * handed module the index of its first name (names in the order `names` gives them).
 */
export function handoverLayout({ koffi, files, names }) {
  const first = new Map();
  let next = koffi ? 1 : 0;
  for (const path of files) {
    first.set(path, next);
    next += names[path].length;
  }
  return { koffi: koffi ? 0 : undefined, first, length: next };
}

/**
 * The provider's side: `imports`, lines to put in its entry's source, and `sharedModules`, a function
 * expression to export under that name.
 */
export function provide({ koffi, files, names }) {
  const imports = files.map((path, i) => `import { ${names[path].map((n, k) => `${n} as handed$${i}$${k}`).join(', ')} } from ${JSON.stringify(`./${path}`)};`);
  if (koffi) imports.push("import handed$koffi from 'koffi';");
  imports.push('let handed$modules;');
  const values = [...(koffi ? ['handed$koffi'] : []), ...files.flatMap((path, i) => names[path].map((_, k) => `handed$${i}$${k}`))];
  return { imports, sharedModules: `() => (handed$modules ??= [${values.join(', ')}])` };
}

/**
 * The receiver's side: an esbuild plugin that makes every import of a handed module (and of koffi)
 * read it from `provider`'s sharedModules(), the provider's file name as the receiver requires it
 * ('./netns-rtnl.cjs'). `root` is the build's working directory.
 */
export function receive(root, provider, { koffi, files, names }) {
  const layout = handoverLayout({ koffi, files, names });
  return {
    name: 'handed-over',
    setup(b) {
      b.onResolve({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ path: args.path, external: true }));
      if (koffi) b.onResolve({ filter: /^koffi$/ }, () => ({ path: KOFFI, namespace: NAMESPACE }));
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData?.handedOver) return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { ...args.pluginData, handedOver: true } });
        if (resolved.errors.length || resolved.namespace !== 'file') return resolved;
        const key = relative(root, resolved.path);
        return files.includes(key) ? { path: key, namespace: NAMESPACE } : resolved;
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const values = `require(${JSON.stringify(provider)}).sharedModules()`;
        if (args.path === KOFFI) return { contents: `export default ${values}[${layout.koffi}];\n`, loader: 'js' };
        const first = layout.first.get(args.path);
        return { contents: `const handed = ${values};\nexport const ${names[args.path].map((n, k) => `${n} = handed[${first + k}]`).join(', ')};\n`, loader: 'js' };
      });
    },
  };
}
