/**
 * scripts/bundle-lazy.mjs: in the bundles, koffi's default export is a proxy that loads koffi on the
 * first property read. A function read through it is kept: reading `koffi.errno` again gives the
 * same bound function, not a new one for every call (the request socket read errno through it after
 * every read that found the socket empty).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without declarations.
import { lazyModules } from '../../scripts/bundle-lazy.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles `source` as the package's bundles are bundled (the lazy-modules plugin) and runs it in a fresh Node from the repository root. */
async function runBundled(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    plugins: [lazyModules],
  });
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', result.outputFiles[0]!.text], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe("the bundles' lazy koffi", () => {
  it('gives the same function each time one is read, bound to koffi, and values as they are', async () => {
    const out = await runBundled(`
      import koffi from 'koffi';
      const first = koffi.errno;
      console.log(JSON.stringify({ same: first === koffi.errno, errno: typeof first(), version: koffi.version, has: 'load' in koffi }));`);
    expect(JSON.parse(out)).toEqual({ same: true, errno: 'number', version: expect.any(String), has: true });
  });
});
