// The structs whose codecs go to messages/struct-codecs-later.ts (scripts/generate-struct-codecs.mjs):
// those declared only by modules of the package's lazily loaded part (inLazyPart), found by name in
// the sources of messages/ (C.struct, C.u32Struct and C.u64Struct calls, whose first argument is the
// name). A struct the scan misses stays in messages/struct-codecs.ts, which is always loaded.
import { readdirSync, readFileSync } from 'node:fs';
import { inLazyPart } from './bundle-lazy-part.mjs';

const DECLARATION = /\bC\.(?:struct|u32Struct|u64Struct)(?:<[^>(]*>)?\(\s*'([^']+)'/g;

/** The names of the structs only lazily loaded modules declare, under the package root `root` (ending in '/'). */
export function laterStructNames(root) {
  const declaredBy = new Map();
  for (const file of readdirSync(`${root}messages`, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const path = `messages/${file}`;
    for (const [, name] of readFileSync(`${root}${path}`, 'utf8').matchAll(DECLARATION)) {
      if (!declaredBy.has(name)) declaredBy.set(name, []);
      declaredBy.get(name).push(path);
    }
  }
  return new Set([...declaredBy].filter(([, paths]) => paths.every(inLazyPart)).map(([name]) => name));
}
