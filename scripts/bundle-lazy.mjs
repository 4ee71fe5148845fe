// esbuild plugins and settings shared by the bundles (scripts/bundle-package.mjs,
// scripts/bundle-cni.mjs): what the sources import statically is bound lazily in the bundle, so that
// a program pays at start only for what it runs.
//
// - koffi: loaded on the first property read of its default export, i.e. when the first system call
//   is bound. koffi's own loader (koffi/index.cjs) reads the node executable's ELF headers to tell
//   glibc from musl, loads node:util for deprecation wrappers (of functions we do not call) and
//   resolves several packages: 5-12 ms where the binary alone loads in about 1.5. In a glibc process
//   (libc.so.6 mapped) the prebuilt binary koffi's loader would pick first is loaded directly when
//   it is there and of koffi's version; anything else (musl, another platform, no prebuilt binary)
//   goes through koffi's loader. The two packages are looked up in the node_modules folders above
//   the bundle and above koffi's real path, as require would, but by hand: require.resolve goes
//   through the packages' "exports", which loads Node's ES module resolver (2-3.5 ms).
// - struct-fu: bundled, run on first use (BUNDLED_ON_FIRST_USE below).
// - Node's built-in modules: taken with require instead of import. An ES import of node:fs or
//   node:util evaluates every lazy getter of the module (fs.promises, util.TextDecoder ...: 4-6 ms
//   on Node 22); require does not. child_process, net, crypto and util, which Node has not loaded
//   yet at start, are loaded on first use: functions are imported as forwarding functions, and a
//   default import is an object whose properties load the module. So are module (createRequire,
//   for other packages and for Node before 20.16) and os (about 2 M instructions of an import with
//   the source map module that module loads: bench/results/startcni-2026-12-04-i.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { transform } from 'esbuild';
import { WRITTEN_HEAD, WRITTEN_TAIL } from '../dist/bin/commonjs-wrapper.js';
import { classNamesAsWritten } from './class-names.mjs';

const require = createRequire(import.meta.url);
const NAMESPACE = 'lazy-module';
const LAZY_BUILTINS = new Set(['node:child_process', 'node:net', 'node:crypto', 'node:util', 'node:module', 'node:os']);
const REQUIRE_MODULE = 'bundle:require';
/**
 * Packages bundled, but run only on the first property read of their default export: struct-fu lays
 * out the reference layouts of messages/struct.ts, which only tests and the benchmark read (its
 * module and esbuild's interop were about 0.4 ms of every import).
 */
const BUNDLED_ON_FIRST_USE = new Set(['struct-fu']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const KOFFI_HEAD = `import { require, bundleDir } from ${JSON.stringify(REQUIRE_MODULE)};
let loaded;
function koffi_load() { return (loaded ??= koffi_binary() ?? require('koffi')); }
function koffi_package(from, name) {
  const fs = require('node:fs');
  for (let dir = from; ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    try {
      return fs.realpathSync.native(\`\${dir}/node_modules/\${name}\`);
    } catch {}
    if (dir === '') return undefined;
  }
}
// On Node 20, read with the calls the package's loader has already made (openSync, readSync):
// readFileSync would compile its own chain of Node's functions from source there (about 1.9 M
// instructions of a first koffi load). Node 22 and 24 hold those compiled in their snapshot, where
// readFileSync costs less than this function's own compile: there it is called as before. Read to the
// end: /proc files have no size. Latin1 text on Node 20 (String includes is built in, Buffer's is not).
function koffi_read(fs, path, encoding) {
  if (!process.versions.node.startsWith('20.')) return fs.readFileSync(path, encoding);
  const fd = fs.openSync(path, 'r');
  try {
    let into = Buffer.allocUnsafeSlow(16384), done = 0, n;
    while ((n = fs.readSync(fd, into, done, into.length - done, null)) > 0) {
      done += n;
      if (done === into.length) {
        const larger = Buffer.allocUnsafeSlow(into.length * 2);
        into.copy(larger);
        into = larger;
      }
    }
    return into.toString('latin1', 0, done);
  } finally {
    fs.closeSync(fd);
  }
}
function koffi_binary() {
  try {
    const { platform, arch } = process;
    const fs = require('node:fs');
    if (platform !== 'linux' || !koffi_read(fs, '/proc/self/maps').includes('/libc.so.6')) return undefined;
    const koffi = koffi_package(bundleDir(), 'koffi');
    const prebuilt = koffi && koffi_package(koffi, \`@koromix/koffi-\${platform}-\${arch}\`);
    if (!prebuilt) return undefined;
    const module = { exports: {} };
    process.dlopen(module, \`\${prebuilt}/\${platform}_\${arch}/koffi.node\`);
    return module.exports.version === /"version"\\s*:\\s*"([^"]*)"/.exec(koffi_read(fs, \`\${koffi}/package.json\`, 'latin1'))?.[1] ? module.exports : undefined;
  } catch {
    return undefined;
  }
}
`;

/**
 * A default export whose property reads load the module (functions bound to it). A function read is
 * kept: the same bound function each time, not a new one (and a new RegExp) for every call.
 */
const lazyDefault = (load) => `const lazy_functions = new Map();
export default /* @__PURE__ */ new Proxy({}, {
  get(_, key) {
    const kept = lazy_functions.get(key);
    if (kept !== undefined) return kept;
    const m = ${load}();
    const v = m[key];
    if (typeof v !== 'function' || /^[A-Z]/.test(String(key))) return v;
    const bound = v.bind(m);
    lazy_functions.set(key, bound);
    return bound;
  },
  has(_, key) { return key in ${load}(); },
});`;

function moduleSource(specifier) {
  const load = `${specifier.replace(/\W/g, '_')}_load`;
  const head = `import { require } from ${JSON.stringify(REQUIRE_MODULE)};
let loaded;
function ${load}() { return (loaded ??= require(${JSON.stringify(specifier)})); }
/* @__NO_SIDE_EFFECTS__ */ function pick(name) { return ${load}()[name]; }
`;
  if (specifier === 'koffi') return `${KOFFI_HEAD}${lazyDefault('koffi_load')}\n`;
  if (BUNDLED_ON_FIRST_USE.has(specifier)) {
    // Bundled: esbuild makes this require a call of the package's module function, here, on first use.
    return `let loaded;\nfunction ${load}() { return (loaded ??= require(${JSON.stringify(specifier)})); }\n${lazyDefault(load)}\n`;
  }
  const lazy = LAZY_BUILTINS.has(specifier);
  const lines = [];
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(require(specifier)))) {
    // Accessors (fs.promises ...) are left out: importing one is a build error, not a silent load.
    if (!('value' in descriptor) || !IDENTIFIER.test(name) || name === 'default') continue;
    const fn = typeof descriptor.value === 'function' && /^[a-z]/.test(name);
    lines.push(
      lazy && fn
        ? `export function ${name}(...args) { return ${load}().${name}(...args); }`
        : `export const ${name} = /* @__PURE__ */ pick(${JSON.stringify(name)});`,
    );
  }
  lines.push(lazy ? lazyDefault(load) : `export default /* @__PURE__ */ ${load}();`);
  return `${head}${lines.join('\n')}\n`;
}

/** Where esbuild breaks the minified bundles' lines (at the first place it can after this many characters). */
export const LINE_LIMIT = 120;

/**
 * esbuild settings of a CommonJS bundle made from ES module sources: import() compiled to require()
 * (a dynamic import would bring the ES module loader back), and import.meta.url the file's URL, as
 * the sources expect it (new URL(..., import.meta.url), createRequire). Whitespace and comments are
 * left out (a quarter of the source: fewer pages read, copied and scanned at every start), and the
 * syntax is shortened (minifySyntax: constants of other modules written in place, dead branches
 * dropped, shorter forms): the bundles 4-10% smaller, and fewer instructions to compile and run what
 * a cni-bridge ADD runs (measured in bench/results/start-2026-12-05-n.md). esbuild keeps names as
 * written (no minifyIdentifiers, which renames functions and classes too); loaderReady shortens only
 * local ones, so functions and classes keep their `name` and stack traces name them, at positions
 * the source map resolves. Lines stay short: Node shows the line of an uncaught error's
 * throw, which must not be the whole bundle.
 */
export const COMMONJS = {
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  lineLimit: LINE_LIMIT,
  supported: { 'dynamic-import': false },
  banner: { js: 'var __import_meta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
  define: { 'import.meta.url': '__import_meta.url', 'import.meta.dirname': '__dirname' },
};

/**
 * The bundle's require: built-in modules from process.getBuiltinModule (Node 20.16 and later), the
 * rest (and every built-in module before 20.16) from Node's require for the bundle's file, made on
 * first use. node:module is not imported up front: in a CommonJS bundle it comes from the bundle's
 * own require when needed; an ES module bundle imports it only where getBuiltinModule is missing.
 */
function requireSource(commonjs, here, dir) {
  const moduleApi = commonjs
    ? `function node_module() { return require('node:module'); }`
    : `const fallback = process.getBuiltinModule ? undefined : await import('node:module');\nfunction node_module() { return fallback ?? process.getBuiltinModule('node:module'); }`;
  return `${moduleApi}
let required;
function bundle_require(id) { return id.startsWith('node:') && process.getBuiltinModule ? process.getBuiltinModule(id) : (required ??= node_module().createRequire(${here}))(id); }
export { bundle_require as require };
export function bundleDir() { return ${dir}; }
`;
}

/** The esbuild plugin: koffi, struct-fu and node:* imports become the modules above. */
export const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^(koffi|struct-fu|node:.*)$/ }, (args) => {
      if (args.namespace === NAMESPACE) return BUNDLED_ON_FIRST_USE.has(args.path) ? undefined : { path: args.path, external: true };
      return { path: args.path, namespace: NAMESPACE };
    });
    build.onResolve({ filter: new RegExp(`^${REQUIRE_MODULE}$`) }, () => ({ path: REQUIRE_MODULE, namespace: NAMESPACE }));
    // In a CommonJS bundle import.meta.url is empty: the file's own path (__filename) stands for it.
    const here = build.initialOptions.format === 'cjs' ? '__filename' : 'import.meta.url';
    const dir = build.initialOptions.format === 'cjs' ? '__dirname' : "require('node:path').dirname(require('node:url').fileURLToPath(import.meta.url))";
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: args.path === REQUIRE_MODULE ? requireSource(build.initialOptions.format === 'cjs', here, dir) : moduleSource(args.path),
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

/**
 * For a bundle that is one module anyway (scripts/bundle-package.mjs): the sources' dynamic imports
 * of their own modules (lib/cni/call.ts loads NAT and nftables on demand) become static ones. esbuild keeps a dynamically imported module lazy by wrapping it,
 * and everything it imports, in an init function: with the whole library behind one such import,
 * V8 preparsed every module at load and parsed it again when the init ran.
 */
export const staticImports = {
  name: 'static-imports',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!/\bimport\(['"]\./.test(source)) return undefined;
      const head = [];
      const contents = source.replace(/\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g, (_, _quote, specifier) => {
        const name = `static_import_${head.length}`;
        head.push(`import * as ${name} from ${JSON.stringify(specifier)};`);
        return `Promise.resolve(${name})`;
      });
      return { contents: `${head.join('\n')}\n${contents}`, loader: 'ts' };
    });
  },
};

/**
 * Makes a bundle that bin/run-bundle.ts runs ASCII-only, so that it can be read as latin1: esbuild
 * escapes non-ASCII characters in code (its default charset), but not in the comments it keeps,
 * and one such character made the whole source a two-byte string. Each is replaced by as many '?'
 * as it has UTF-16 units, which leaves the source map's columns as they were.
 */
export function asciiOnly(file) {
  const source = readFileSync(file, 'utf8');
  const ascii = source.replace(/[^\0-\x7f]/gu, (c) => '?'.repeat(c.length));
  if (ascii !== source) writeFileSync(file, ascii);
}

/**
 * terser's minify, or undefined (with a warning, once) in a checkout whose node_modules predate
 * terser as a devDependency: the bundles are then built with their names as written, until `npm ci`.
 */
let terser;
async function terserMinify() {
  terser ??= import('terser').then(
    (m) => m.minify,
    () => {
      process.emitWarning('terser is not installed (run npm ci): bundles built with local names as written');
      return undefined;
    },
  );
  return terser;
}

/**
 * Shortens the names of a bundle's local variables and parameters (terser's mangler, nothing else):
 * fewer bytes to read, copy into V8's string and keep, at every load (bench/results/start-2026-12-05-p.md).
 * What a program can see keeps its name: functions and classes (their `name`: stack traces,
 * console.log), including those named by the variable they are assigned to (`var X = class {`,
 * `const f = () =>`), whose variables are kept as written; properties and methods are never touched.
 */
async function localNamesShortened(code, map, file) {
  const minify = await terserMinify();
  if (minify === undefined) return { code, map: JSON.parse(map) };
  const named = new Set();
  for (const m of code.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|class\b|\(|[A-Za-z_$][\w$]*\s*=>)/g)) named.add(m[1]);
  const mangled = await minify(code, {
    compress: false,
    mangle: { toplevel: true, keep_fnames: true, keep_classnames: true, reserved: [...named] },
    format: { ascii_only: true, comments: false },
    sourceMap: { content: map, url: 'inline', includeSources: true },
  });
  // terser breaks lines only between statements: esbuild breaks them again as in the bundles.
  const lines = await transform(mangled.code, { loader: 'js', minifyWhitespace: true, lineLimit: LINE_LIMIT, sourcemap: 'external', sourcefile: basename(file) });
  const chained = JSON.parse(lines.map);
  return { code: `${lines.code}//# sourceMappingURL=${basename(file)}.map\n`, map: chained };
}

/**
 * Makes a CommonJS bundle one that bin/run-bundle.ts runs as it is: ASCII-only (above), its local
 * names shortened (above), its classes named as written (scripts/class-names.mjs), with the module
 * wrapper written into it (bin/commonjs-wrapper.ts: no second copy of the source at each load). The
 * wrapper's head is a line of its own: the source map beside the file (`file.map`) gets one empty
 * line in front.
 */
export async function loaderReady(file) {
  asciiOnly(file);
  const short = await localNamesShortened(readFileSync(file, 'latin1'), readFileSync(`${file}.map`, 'utf8'), file);
  const code = classNamesAsWritten(short.code, file);
  writeFileSync(file, `${WRITTEN_HEAD}${code}${WRITTEN_TAIL}`, 'latin1');
  short.map.mappings = `;${short.map.mappings}`;
  writeFileSync(`${file}.map`, JSON.stringify(short.map));
}
