/**
 * The package's code cache (bin/load-bundle.ts), as the built package uses it: a fresh Node
 * importing `netns-rtnl` with its own TMPDIR. Needs the build.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}dist/bundle/netns-rtnl.cjs`);
const uid = process.getuid?.() ?? 0;
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'code-cache-test-'));
  made.push(dir);
  return dir;
}

/** Imports the package in a fresh Node with this TMPDIR; returns how many names it exports. */
function importWith(tmp: string, env: Record<string, string> = {}): number {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import('netns-rtnl'); process.stdout.write(String(Object.keys(m).length));`], {
    cwd: root,
    env: { PATH: process.env.PATH, TMPDIR: tmp, ...env },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return Number(r.stdout);
}

const cacheDir = (tmp: string) => join(tmp, `netns-rtnl-code-cache-${uid}`);

describe.skipIf(!built)('the code cache of the package bundle', () => {
  it('is written on the first import into a directory of the user only, and used by the next', () => {
    const tmp = freshTmp();
    const names = importWith(tmp);
    expect(names).toBeGreaterThan(5);
    const dir = cacheDir(tmp);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file, ...more] = readdirSync(dir);
    expect(more).toEqual([]);
    expect(file).toMatch(new RegExp(`-${process.version}-${process.arch}\\.bin$`));
    const written = statSync(join(dir, file!));
    expect(written.mode & 0o777).toBe(0o600);
    expect(importWith(tmp)).toBe(names);
    // Accepted by V8, so not written again.
    expect(statSync(join(dir, file!)).mtimeMs).toBe(written.mtimeMs);
  });

  it('is replaced when V8 refuses it (here: not a code cache at all)', () => {
    const tmp = freshTmp();
    const names = importWith(tmp);
    const dir = cacheDir(tmp);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), 'not a code cache');
    expect(importWith(tmp)).toBe(names);
    expect(statSync(join(dir, file!)).size).toBeGreaterThan(1000);
  });

  it('is left out with --enable-source-maps, so that stack traces name the TypeScript sources', () => {
    const tmp = freshTmp();
    const r = spawnSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', `const { Namespace } = await import('netns-rtnl'); await Namespace.open('no/such').catch((e) => process.stdout.write(e.stack));`],
      { cwd: root, env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: 'utf8' },
    );
    expect(r.stdout).toMatch(/lib\/[\w/-]+\.ts:\d+/);
    expect(existsSync(cacheDir(tmp))).toBe(false);
  });

  it('is not used in a directory others can write, nor with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const open = freshTmp();
    mkdirSync(cacheDir(open));
    chmodSync(cacheDir(open), 0o777);
    importWith(open);
    expect(readdirSync(cacheDir(open))).toEqual([]);

    const disabled = freshTmp();
    importWith(disabled, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(existsSync(cacheDir(disabled))).toBe(false);
  });
});
