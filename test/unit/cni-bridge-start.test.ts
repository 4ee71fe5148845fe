/**
 * The cni-bridge executable as built (dist/bundle/cni-bridge.cjs, scripts/bundle-cni.mjs): VERSION,
 * which runtimes call before every ADD and DEL, is answered from the small first file alone, with
 * the same answer as the command line's main. Needs the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cniMain } from '../../lib/cni/index.js';

const dir = fileURLToPath(new URL('../../dist/bundle/', import.meta.url));
const executable = `${dir}cni-bridge.cjs`;

/** The files of dist/bundle/ a VERSION call loads (CommonJS: what is in require.cache when it exits). */
function filesLoadedByVersion(): string[] {
  const preload = join(mkdtempSync(join(tmpdir(), 'cni-bridge-start-')), 'report.cjs');
  writeFileSync(preload, `process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));\n`);
  const r = spawnSync(process.execPath, ['--require', preload, executable], {
    env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' },
    input: '{"cniVersion":"1.0.0"}',
    encoding: 'utf8',
  });
  rmSync(dirname(preload), { recursive: true });
  return (JSON.parse(r.stderr) as string[]).filter((f) => f.startsWith(dir)).map((f) => f.slice(dir.length));
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

  it('loads only the first file (CommonJS), a few KB without the configuration parser or the netlink engine', () => {
    expect(filesLoadedByVersion()).toEqual(['cni-bridge.cjs']);
    const code = readFileSync(executable, 'utf8');
    expect(code).toContain('supportedVersions');
    expect(code).not.toContain('parseBridgeConfig');
    expect(code).not.toContain('attachContainer');
    expect(statSync(executable).size).toBeLessThan(10_000);
  });
});
