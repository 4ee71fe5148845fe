/** A one-file bundle made the way the package's bundles are (scripts/bundle-lazy.mjs: COMMONJS, then loaderReady), in a directory of its own. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** Bundles `source` (TypeScript) as `name`.cjs; returns the directory (the caller removes it) and the file. */
export async function loaderReadyBundle(source: string, name: string): Promise<{ dir: string; file: string }> {
  // @ts-expect-error: a build script, plain JavaScript without declarations.
  const { COMMONJS, loaderReady } = await import('../../scripts/bundle-lazy.mjs');
  const dir = mkdtempSync(join(tmpdir(), `${name}-test-`));
  writeFileSync(join(dir, `${name}.ts`), source);
  const file = join(dir, `${name}.cjs`);
  await build({ entryPoints: [join(dir, `${name}.ts`)], bundle: true, platform: 'node', ...COMMONJS, sourcemap: true, outfile: file, logLevel: 'warning' });
  await loaderReady(file);
  return { dir, file };
}
