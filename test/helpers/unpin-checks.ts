/**
 * A teardown's unpins (lib/sys/named-netns.ts, lib/sys/netns-unpin-batch.ts) against
 * deleteNetnsFile one path after another: the same outcome for each path (nothing, or an error of
 * the same shape) and the same files left.
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

/** What each path of an unpinJoinedNetnsFiles outcome ended with (undefined, or the error), in order. */
function outcomesOf({ unpinOutcome }: typeof NamedNetns, told: NamedNetns.UnpinOutcome): unknown[] {
  return told.paths.map((path, i) => (told.results === undefined ? told.errors?.[i] : unpinOutcome(told.results, i, path)));
}

/**
 * unpinJoinedNetnsFiles (a teardown's paths in one call): with `stub`, no per-path outcome made when
 * every path was unpinned; each path ends as deleteNetnsFile one path after another ends it (the
 * same outcome, the same files left), and `failed` counts the paths that did not.
 */
export function expectJoinedLikeOneByOne(named: typeof NamedNetns, stub: boolean): void {
  const { deleteNetnsFile, unpinJoinedNetnsFiles } = named;
  const dirs = [mkdtempSync(join(tmpdir(), 'unpin-ok-')), mkdtempSync(join(tmpdir(), 'unpin-one-')), mkdtempSync(join(tmpdir(), 'unpin-all-'))];
  const noFds = new Int32Array(0);
  try {
    const files = ['a', 'b', 'c'].map((name) => join(dirs[0]!, name));
    for (const file of files) writeFileSync(file, '');
    const ok = unpinJoinedNetnsFiles(files, files.join('\0'), noFds, 0);
    expect(ok.failed).toBe(0);
    if (stub) expect(ok.errors).toBeUndefined();
    else expect(ok.errors).toEqual([undefined, undefined, undefined]);
    expect(files.filter((file) => existsSync(file))).toEqual([]);
    const one = dirs[1]!;
    const all = dirs[2]!;
    const expected = makeCases(one).map((path) => {
      try {
        deleteNetnsFile(path);
        return undefined;
      } catch (error) {
        return shape(error);
      }
    });
    const paths = makeCases(all);
    const told = unpinJoinedNetnsFiles(paths, paths.join('\0'), noFds, 0);
    const outcomes = outcomesOf(named, told).map(shape);
    const renamed = (list: unknown[], dir: string) => JSON.parse(JSON.stringify(list).replaceAll(dir, 'DIR')) as unknown;
    expect(renamed(outcomes, all)).toEqual(renamed(expected, one));
    expect(left(all)).toEqual(left(one));
    expect(left(all)).toMatchObject({ file: 'gone', sub: 'there', target: 'there', link: 'gone', ...(canMount ? { mounted: 'gone' } : {}) });
    expect(outcomes.filter((o) => o !== undefined).length).toBeGreaterThanOrEqual(4);
    expect(told.failed).toBe(outcomes.filter((o) => o !== undefined).length);
    expect(unpinJoinedNetnsFiles([], '', noFds, 0).failed).toBe(0);
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
