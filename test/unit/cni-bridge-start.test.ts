/**
 * The cni-bridge executable as built (dist/bundle/cni-bridge.js, scripts/bundle-cni.mjs): VERSION,
 * which runtimes call before every ADD and DEL, is answered from the small first file alone, with
 * the same answer as the command line's main. Needs the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cniMain } from '../../lib/cni/index.js';

const dir = fileURLToPath(new URL('../../dist/bundle/', import.meta.url));
const executable = `${dir}cni-bridge.js`;

/** The files an ES module loads before it runs: itself and its static imports, transitively (dynamic import() left out). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(`${dir}${file}`, 'utf8');
  for (const m of source.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*"\.\/([^"]+)"|^import\s*"\.\/([^"]+)"/gm)) staticClosure((m[1] ?? m[2])!, seen);
  return seen;
}

describe.skipIf(!existsSync(executable))('cni-bridge executable: VERSION', () => {
  it('answers as cniMain does, for supported, unsupported, missing and malformed versions', async () => {
    for (const stdin of ['{"cniVersion":"0.4.0","name":"n"}', '{"cniVersion":"9.9.9"}', '{"cniVersion":""}', '{}', 'not json', '']) {
      const r = spawnSync(process.execPath, [executable], { env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' }, input: stdin, encoding: 'utf8' });
      let expected = '';
      const status = await cniMain({ env: { CNI_COMMAND: 'VERSION' }, stdin: async () => Buffer.from(stdin), stdout: (t) => (expected += t), stderr: () => undefined });
      expect({ stdin, status: r.status, stdout: r.stdout }).toEqual({ stdin, status, stdout: expected });
    }
  });

  it('loads only the first file and what it imports statically: a few KB, without the configuration parser or the netlink engine', () => {
    const files = [...staticClosure('cni-bridge.js')];
    const code = files.map((f) => readFileSync(`${dir}${f}`, 'utf8')).join('\n');
    expect(code).toContain('supportedVersions');
    expect(code).not.toContain('parseBridgeConfig');
    expect(code).not.toContain('attachContainer');
    expect(files.reduce((bytes, f) => bytes + statSync(`${dir}${f}`).size, 0)).toBeLessThan(10_000);
  });
});
