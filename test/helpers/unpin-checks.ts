/**
 * deleteNetnsFiles (lib/sys/named-netns.ts) against deleteNetnsFile one path after another: the
 * same outcome for each path (nothing, or an error of the same shape) and the same files left.
 * unpinNetnsFiles (a teardown's): undefined when every path was unpinned, else deleteNetnsFiles's outcomes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type * as NamedNetns from '../../lib/sys/named-netns.js';
import type * as UnpinBatch from '../../lib/sys/netns-unpin-batch.js';

// A bind mount only inside the runner's sandbox (its own mount namespace), never on the host.
const canMount = process.getuid?.() === 0 && process.env.NETNS_RTNL_SANDBOX === '1';

/** The cases, made afresh under `dir`; returns the paths to unpin, in order. */
function makeCases(dir: string): string[] {
  const file = join(dir, 'file');
  writeFileSync(file, '');
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  const target = join(dir, 'target');
  writeFileSync(target, 'kept');
  const link = join(dir, 'link');
  symlinkSync(target, link);
  const paths = [file, join(dir, 'missing'), sub, join(dir, 'x'.repeat(300)), link, ''];
  if (canMount) {
    const mounted = join(dir, 'mounted');
    writeFileSync(mounted, '');
    execFileSync('mount', ['--bind', target, mounted]);
    paths.splice(1, 0, mounted);
  }
  return paths;
}

const shape = (error: unknown): unknown =>
  error === undefined ? undefined : { ...(error as object), message: (error as Error).message, type: Object.getPrototypeOf(error) as unknown, cause: shape((error as Error).cause) };

function left(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['file', 'mounted', 'sub', 'target', 'link']) {
    const path = join(dir, name);
    out[name] = existsSync(path) || lstatSync(path, { throwIfNoEntry: false }) ? 'there' : 'gone';
  }
  return out;
}

export function expectUnpinLikeOneByOne({ deleteNetnsFile, deleteNetnsFiles }: typeof NamedNetns): void {
  const one = mkdtempSync(join(tmpdir(), 'unpin-one-'));
  const all = mkdtempSync(join(tmpdir(), 'unpin-all-'));
  try {
    const onePaths = makeCases(one);
    const expected = onePaths.map((path) => {
      try {
        deleteNetnsFile(path);
        return undefined;
      } catch (error) {
        return shape(error);
      }
    });
    const outcomes = deleteNetnsFiles(makeCases(all)).map(shape);
    const named = (list: unknown[], dir: string) => JSON.parse(JSON.stringify(list).replaceAll(dir, 'DIR')) as unknown;
    expect(named(outcomes, all)).toEqual(named(expected, one));
    expect(left(all)).toEqual(left(one));
    expect(left(all)).toMatchObject({ file: 'gone', sub: 'there', target: 'there', link: 'gone', ...(canMount ? { mounted: 'gone' } : {}) });
    expect(outcomes.filter((o) => o !== undefined).length).toBeGreaterThanOrEqual(4);
    expect(deleteNetnsFiles([])).toEqual([]);
  } finally {
    rmSync(one, { recursive: true, force: true });
    rmSync(all, { recursive: true, force: true });
  }
}

/**
 * unpinNetnsFiles: with `stub`, undefined when every path was unpinned (without, each outcome
 * undefined); when one fails, every path's outcome as deleteNetnsFiles gives it.
 */
export function expectUnpinToldAtOnce({ deleteNetnsFiles, unpinNetnsFiles }: typeof NamedNetns, stub: boolean): void {
  const dirs = [mkdtempSync(join(tmpdir(), 'unpin-ok-')), mkdtempSync(join(tmpdir(), 'unpin-told-')), mkdtempSync(join(tmpdir(), 'unpin-each-'))];
  try {
    const files = ['a', 'b', 'c'].map((name) => join(dirs[0]!, name));
    for (const file of files) writeFileSync(file, '');
    const ok = unpinNetnsFiles(files);
    if (stub) expect(ok).toBeUndefined();
    else expect(ok).toEqual([undefined, undefined, undefined]);
    expect(files.filter((file) => existsSync(file))).toEqual([]);
    const told = unpinNetnsFiles(makeCases(dirs[1]!));
    const each = deleteNetnsFiles(makeCases(dirs[2]!));
    const named = (list: unknown[] | undefined, dir: string) => JSON.parse(JSON.stringify(list?.map(shape)).replaceAll(dir, 'DIR')) as unknown;
    expect(named(told, dirs[1]!)).toEqual(named(each, dirs[2]!));
    expect(left(dirs[1]!)).toEqual(left(dirs[2]!));
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether `fd` is open in this process. */
const isOpen = (fd: number): boolean => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

/**
 * deleteNetnsFileSoon and closeFdSoon, asked in one run of JavaScript: nothing done before it
 * ends; then the fds closed, and each path's promise settled with that path's own outcome, as
 * deleteNetnsFile one path after another ends it (the same files left).
 */
export async function expectSoonLikeOneByOne({ deleteNetnsFile }: typeof NamedNetns, { closeFdSoon, deleteNetnsFileSoon }: typeof UnpinBatch): Promise<void> {
  const one = mkdtempSync(join(tmpdir(), 'unpin-one-'));
  const soon = mkdtempSync(join(tmpdir(), 'unpin-soon-'));
  try {
    const expected = makeCases(one).map((path) => {
      try {
        deleteNetnsFile(path);
        return undefined;
      } catch (error) {
        return shape(error);
      }
    });
    const paths = makeCases(soon);
    const fds = [openSync('/dev/null', 'r'), openSync('/dev/null', 'r')];
    closeFdSoon(fds[0]!);
    const settled = Promise.allSettled(paths.map((path) => deleteNetnsFileSoon(path)));
    closeFdSoon(fds[1]!);
    expect(fds.map(isOpen)).toEqual([true, true]);
    expect(left(soon)).toMatchObject({ file: 'there', link: 'there' });
    const outcomes = (await settled).map((o) => (o.status === 'fulfilled' ? undefined : shape(o.reason)));
    expect(fds.map(isOpen)).toEqual([false, false]);
    const named = (list: unknown[], dir: string) => JSON.parse(JSON.stringify(list).replaceAll(dir, 'DIR')) as unknown;
    expect(named(outcomes, soon)).toEqual(named(expected, one));
    expect(left(soon)).toEqual(left(one));
    expect(outcomes.filter((o) => o !== undefined).length).toBeGreaterThanOrEqual(4);
  } finally {
    rmSync(one, { recursive: true, force: true });
    rmSync(soon, { recursive: true, force: true });
  }
}
