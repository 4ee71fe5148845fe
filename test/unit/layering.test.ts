/**
 * lib/sys/ is the only code that calls the operating system: no other file of lib/ or messages/
 * imports a module that reaches it (files, processes, sockets, koffi's foreign calls, the netlink
 * binding). Type-only imports are fine: they vanish in the build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

const SYSTEM_MODULES = new Set([
  'fs', 'fs/promises', 'child_process', 'net', 'dgram', 'os', 'worker_threads', 'cluster', 'dns', 'http', 'https', 'tls', 'inspector',
  'koffi', 'netlink',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The modules a source file loads at run time: static imports that are not type-only, dynamic import(), require(). */
function runtimeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*import\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gms)) {
    if (m[1] !== undefined) continue;
    const names = /^\{([^}]*)\}$/.exec(m[2]!.trim());
    if (names && names[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '').every((n) => n.startsWith('type '))) continue;
    found.push(m[3]!);
  }
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  for (const m of source.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

function isSystemModule(specifier: string): boolean {
  return SYSTEM_MODULES.has(specifier.replace(/^node:/, ''));
}

describe('layering', () => {
  it('recognises what reaches the OS and what does not', () => {
    expect(runtimeImports("import { spawn, type ChildProcess } from 'node:child_process';").filter(isSystemModule)).toEqual(['node:child_process']);
    expect(runtimeImports("import type { ChildProcess } from 'node:child_process';").filter(isSystemModule)).toEqual([]);
    expect(runtimeImports("import { type Server, type Socket } from 'node:net';").filter(isSystemModule)).toEqual([]);
    expect(runtimeImports("import {\n  readFileSync,\n} from 'fs';").filter(isSystemModule)).toEqual(['fs']);
    expect(runtimeImports("const k = await import('koffi');").filter(isSystemModule)).toEqual(['koffi']);
    expect(runtimeImports("import { join } from 'node:path';").filter(isSystemModule)).toEqual([]);
  });

  it('only lib/sys/ imports modules that call the OS', () => {
    const files = [...sourceFiles(join(root, 'lib')), ...sourceFiles(join(root, 'messages'))];
    expect(files.length).toBeGreaterThan(50);
    const outside = files.filter((file) => !relative(root, file).startsWith('lib/sys/'));
    const offenders = outside.flatMap((file) =>
      runtimeImports(readFileSync(file, 'utf8')).filter(isSystemModule).map((m) => `${relative(root, file)} imports ${m}`),
    );
    expect(offenders).toEqual([]);
    const inside = files.filter((file) => relative(root, file).startsWith('lib/sys/'));
    expect(inside.some((file) => runtimeImports(readFileSync(file, 'utf8')).some(isSystemModule))).toBe(true);
  });
});
