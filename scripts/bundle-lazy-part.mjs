// The package's lazily loaded part (scripts/bundle-package.mjs): modules that no export of the entry
// needs while it is imported (nftables' messages, NAT's rule building, traffic control's messages,
// the monitor's queue and state) are left out of the core bundle and bundled into a file of their
// own, loaded the first time one of their functions is called.
//
// In the core, every import of such a module is a stand-in module with the same exports:
// - a primitive constant (a number, a string ...) is written as its value, known when the bundle is
//   built (the module as tsc compiled it, imported by this script);
// - a function is a forwarder: its first call loads the lazy part, which gives every stand-in's
//   bindings the lazy part's own values (live bindings: the core's code calls the real function from
//   then on), then calls the real function;
// - anything else (a class, an object) is not exported by the stand-in, so a core module that
//   imports one fails the build: the core may hold only what it can read before loading.
// The lazy part takes every core module it imports from the core's sharedModules()
// (scripts/bundle-handover.mjs): one copy of every class.
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledImports } from './bundle-handover.mjs';

const IN_LAZY_PART = /^(messages\/(nftables\/[\w-]+|(tc|rule|neighbor|nexthop)\/[\w/-]+|later-bodies|struct-codecs-later)|lib\/(nexthops|rule-messages)|lib\/nat\/(masquerade|nat-run|publish|published|ruleset-change)|lib\/tc\/(qdiscs|filters|bandwidth|units)|lib\/monitor\/(event-queue|events|monitor-run|state))\.ts$/;

/**
 * Whether the module at `path` (relative to the package's root, `lib/x.ts`) is in the package's lazily
 * loaded part (scripts/bundle-package.mjs's netns-rtnl-lazy.cjs): nftables, NAT's rule building,
 * traffic control's messages and requests, the monitor's queue and state, neighbour, rule and nexthop
 * messages, rule and nexthop objects, and the codecs of the structs only those declare.
 */
export const inLazyPart = (path) => IN_LAZY_PART.test(path);

const STAND_IN = 'lazy-stand-in';
/** The core's module that loads the lazy part and gives the stand-ins their values. */
export const LAZY_LOADER = 'bundle:lazy-part';

/** What a module as tsc compiled it (dist/) exports, name by name: 'function', 'other', or a primitive's source text. */
export async function exportKinds(root, path) {
  const module = await import(pathToFileURL(`${root}dist/${path.replace(/\.ts$/, '.js')}`).href);
  return Object.fromEntries(Object.entries(module).map(([name, value]) => [name, kindOf(value)]));
}

function kindOf(value) {
  if (typeof value === 'function') return /^class\b/.test(Function.prototype.toString.call(value)) ? 'other' : 'function';
  if (typeof value === 'string' || typeof value === 'boolean' || value === undefined || value === null) return { literal: value === undefined ? 'void 0' : JSON.stringify(value) };
  if (typeof value === 'bigint') return { literal: `${value}n` };
  if (typeof value === 'number') return { literal: Object.is(value, -0) ? '-0' : Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN' };
  return 'other';
}

/**
 * The esbuild plugin of the core: imports of a `lazy` module (a path relative to `root`) from a module
 * that is not one become its stand-in; `kinds` (path -> exportKinds) says what each stand-in exports
 * (a probe build) or `used` (coreImports) which of its names it exports (the build itself);
 * `file` is the lazy part's file name as the core requires it ('./netns-rtnl-lazy.cjs'). The loader's
 * `lazyPart()` (import it from LAZY_LOADER) loads the lazy part and returns its modules' exports by path.
 * `standIns` lists the stand-ins the loader gives values to: those a probe build found (its metafile's
 * inputs, through standInsOf); a probe passes none.
 */
export function lazyPart(root, lazy, kinds, file, standIns = [], used = undefined) {
  return {
    name: 'lazy-part',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${LAZY_LOADER}$`) }, () => ({ path: LAZY_LOADER, namespace: STAND_IN }));
      b.onResolve({ filter: /.*/, namespace: STAND_IN }, (args) => (args.path === file ? { path: file, external: true } : { path: args.path, namespace: STAND_IN }));
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData?.lazyPart || args.namespace !== 'file') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { ...args.pluginData, lazyPart: true } });
        if (resolved.errors.length || resolved.namespace !== 'file') return resolved;
        const key = relative(root, resolved.path);
        return lazy(key) && !lazy(relative(root, args.importer)) ? { path: key, namespace: STAND_IN } : resolved;
      });
      b.onLoad({ filter: /.*/, namespace: STAND_IN }, (args) => ({
        contents: args.path === LAZY_LOADER ? loaderSource(file, standIns) : standInSource(args.path, kinds[args.path], used?.get(args.path)),
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/**
 * What the core's modules (the .ts files among `inputs`, a metafile's) import from the lazy part: a
 * Map from a lazy module's path to the names imported. Throws unless each is what a stand-in can
 * have: a function or a primitive constant, imported by name (`namespaces`: the lazy modules an
 * entry re-exports as a namespace, `export * as`, which scripts/bundle-package.mjs reads from the
 * lazy part itself) and `stars`, the same for an entry's `export *` ({ sources, targets }: the entries'
 * source paths and the lazy modules they re-export whole). Read from the modules as tsc compiled them (dist/), where imports of types are
 * gone: esbuild cannot tell a TypeScript module's import of a missing name from one of a type, and
 * leaves both out silently.
 */
export function coreImports(root, inputs, lazy, kinds, namespaces, stars = { sources: [], targets: [] }) {
  const wrong = [];
  const used = new Map();
  for (const path of Object.keys(inputs)) {
    if (!path.endsWith('.ts') || lazy(path) || path.includes(':')) continue;
    for (const { target, keyword, clause, names } of compiledImports(root, path)) {
      if (!lazy(target)) continue;
      // An entry's `export * as name`: scripts/bundle-package.mjs reads such a namespace from the lazy part itself.
      if (keyword === 'export' && /^\*\s*as\s+[\w$]+$/.test(clause) && namespaces.includes(target)) continue;
      // An entry's `export *` of a lazy module (`stars`: the entries' sources and those modules): read from the lazy part too.
      if (keyword === 'export' && clause === '*' && stars.sources.includes(path) && stars.targets.includes(target)) continue;
      if (names === undefined) {
        wrong.push(`${path}: ${clause} from ${target} (only named imports of a lazy module)`);
        continue;
      }
      for (const name of names) {
        const kind = kinds[target]?.[name];
        if (kind === undefined || kind === 'other') wrong.push(`${path}: ${name} from ${target} (${kind === undefined ? 'not exported' : 'neither a function nor a primitive'})`);
        if (!used.has(target)) used.set(target, new Set());
        used.get(target).add(name);
      }
    }
  }
  if (wrong.length) throw new Error(`the core reads from its lazily loaded part what it cannot have before loading it:\n${wrong.join('\n')}`);
  return used;
}

/** The stand-ins a build with lazyPart() holds, from its metafile's inputs. */
export function standInsOf(inputs) {
  return Object.keys(inputs)
    .filter((input) => input.startsWith(`${STAND_IN}:`) && input !== `${STAND_IN}:${LAZY_LOADER}`)
    .map((input) => input.slice(STAND_IN.length + 1))
    .sort();
}

function standInSource(path, kinds, used) {
  if (kinds === undefined) throw new Error(`${path}: no exports known for its stand-in`);
  const lines = [`import { lazyPart } from ${JSON.stringify(LAZY_LOADER)};`];
  const assigned = [];
  for (const [name, kind] of Object.entries(kinds)) {
    if (used !== undefined && !used.has(name)) continue;
    if (kind === 'function') {
      lines.push(`export let ${name} = function (...args) { lazyPart(); return ${name}.apply(this, args); };`);
      assigned.push(name);
    } else if (kind !== 'other') {
      lines.push(`export const ${name} = ${kind.literal};`);
    }
  }
  lines.push(`export function lazyPart$assign(m) { ${assigned.map((name) => `${name} = m.${name};`).join(' ')} }`);
  return `${lines.join('\n')}\n`;
}

function loaderSource(file, standIns) {
  const imports = standIns.map((path, i) => `import { lazyPart$assign as assign$${i} } from ${JSON.stringify(path)};`);
  const assigns = standIns.map((path, i) => `assign$${i}(part[${JSON.stringify(path)}]);`);
  return `${imports.join('\n')}
let part;
export function lazyPart() {
  if (part === undefined) {
    part = require(${JSON.stringify(file)}).modules;
    ${assigns.join('\n    ')}
  }
  return part;
}
`;
}
