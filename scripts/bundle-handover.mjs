// One bundle handing its modules to another that is loaded after it in the same process, so that a
// module is bundled, run and given its classes once: the package's core hands the CNI entry's bundle
// (scripts/bundle-package.mjs) what it imports from the core, and the cni-bridge executable's shared
// bundle hands its engines what they import from it (scripts/bundle-cni.mjs).
//
// The provider's module.exports has `sharedModules()`, a function that makes, on its first call, one
// plain object: each handed module's exports copied under the module's path, and koffi's lazy loader
// under KOFFI (one koffi per process). A process that never loads the receiver never makes the
// object; plain properties, not a namespace object, which would be a getter per name, each a
// function of its own, made at every load. In the receiver, every import of a handed module is a
// module that reads those values from the provider, required by its file name (loadBundle gives the
// receiver the provider's exports under that name: bin/load-bundle.ts).
import { build } from 'esbuild';
import { join, relative } from 'node:path';
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

/** A handover: its modules (from handedModules) with each one's export names, as esbuild sees them (types are gone). */
export async function handover(options, modules) {
  const files = modules.filter((path) => path !== KOFFI);
  const probe = await build({ ...options, format: 'esm', entryPoints: files, write: false, metafile: true, outdir: '/nowhere', sourcemap: false, plugins: [lazyModules] });
  const root = options.absWorkingDir;
  const names = Object.fromEntries(Object.values(probe.metafile.outputs).map((o) => [relative(root, join(root, o.entryPoint)), o.exports]));
  return { koffi: modules.includes(KOFFI), files, names };
}

/**
 * The provider's side: `imports`, lines to put in its entry's source, and `sharedModules`, a function
 * expression to export under that name.
 */
export function provide({ koffi, files, names }) {
  const imports = files.map((path, i) => `import { ${names[path].map((n, k) => `${n} as handed$${i}$${k}`).join(', ')} } from ${JSON.stringify(`./${path}`)};`);
  if (koffi) imports.push("import handed$koffi from 'koffi';");
  imports.push('let handed$modules;');
  const object = [
    ...(koffi ? [`${JSON.stringify(KOFFI)}: handed$koffi`] : []),
    ...files.map((path, i) => `${JSON.stringify(path)}: { ${names[path].map((n, k) => `${JSON.stringify(n)}: handed$${i}$${k}`).join(', ')} }`),
  ];
  return { imports, sharedModules: `() => (handed$modules ??= { ${object.join(', ')} })` };
}

/**
 * The receiver's side: an esbuild plugin that makes every import of a handed module (and of koffi)
 * read it from `provider`'s sharedModules(), the provider's file name as the receiver requires it
 * ('./netns-rtnl.cjs'). `root` is the build's working directory.
 */
export function receive(root, provider, { koffi, files, names }) {
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
        const from = `require(${JSON.stringify(provider)}).sharedModules()[${JSON.stringify(args.path)}]`;
        return { contents: args.path === KOFFI ? `export default ${from};\n` : `export const { ${names[args.path].join(', ')} } = ${from};\n`, loader: 'js' };
      });
    },
  };
}
