// esbuild bundles a top-level class whose body names itself (a static factory's `new Namespace(...)`)
// as `var Namespace = class _Namespace { ... new _Namespace(...) ... }`, so the exported class's
// `name` is '_Namespace': what console.log, util.inspect and stack traces show.

const escaped = (name) => name.replace(/\$/g, '\\$');

/**
 * The bundle's code with each such class named as written: its inner name `_X`, which only the class
 * body can see, becomes `X ` (in a class expression `X` is the class itself inside its body, as `_X`
 * was), one space for the dropped underscore so that no column the source map gives moves. Throws
 * where `_X` is anything else (a property, a string): only esbuild's inner name may be renamed.
 */
export function classNamesAsWritten(code, file) {
  const renamed = new Set([...code.matchAll(/(?<![\w$])([A-Za-z$][\w$]*)\s*=\s*class _\1(?![\w$])/g)].map((m) => m[1]));
  for (const name of renamed) {
    const inner = `_${escaped(name)}`;
    const other = new RegExp(`[.'"\`]${inner}(?![\\w$])|(?<![\\w$])${inner}['"\`]`);
    if (other.test(code)) throw new Error(`${file}: '_${name}' appears as something other than class ${name}'s inner name; cannot rename it`);
    code = code.replace(new RegExp(`(?<![\\w$])${inner}(?![\\w$])`, 'g'), `${name} `);
  }
  return code;
}
