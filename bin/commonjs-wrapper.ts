/**
 * The CommonJS module wrapper of the bundles bin/run-bundle.ts runs: a script whose value is the
 * module's function `(exports, require, module, __filename, __dirname)`.
 *
 * The build writes it into the bundles (scripts/bundle-lazy.mjs), so that the loader hands V8 the
 * file's own string. A wrapper added at run time makes a cons string of wrapper and source, which V8
 * flattens into a second copy of the source before it looks the script up in its compilation cache:
 * about 150 pages of a 620 KB bundle touched for the first time, and a young-generation object of
 * that size. The written wrapper still leaves the file a CommonJS module (for Node's require, which
 * the loader uses with --enable-source-maps): the head is on a line of its own, so the source map
 * shifts by one line, and it calls the function itself when it runs inside Node's own wrapper.
 */

/**
 * The head written into a bundle. `arguments` exists only inside a function: in Node's module
 * wrapper, the head runs the module with Node's arguments; as a script (the loader's vm.Script, at
 * the top level), the arrow's `arguments` is undefined and the script's value is the function. The
 * function is parenthesized so that V8 compiles it eagerly, as for the wrapper added at run time.
 */
export const WRITTEN_HEAD =
  "(typeof arguments === 'undefined' ? (body) => body : (body) => body.apply(this, arguments))((function (exports, require, module, __filename, __dirname) {\n";
export const WRITTEN_TAIL = '\n}));\n';

/** The wrapper for a plain CommonJS file (not built by scripts/bundle-lazy.mjs), added at run time. */
export function wrapAtRunTime(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/** The script for `source`: the file itself if the build wrote the wrapper into it. */
export function scriptSource(source: string): string {
  return source.startsWith(WRITTEN_HEAD) ? source : wrapAtRunTime(source);
}
