/**
 * A program run without node:child_process: posix_spawn through koffi, for the CNI plugin's IPAM
 * delegate. child_process costs a short-lived process its first use of child_process, net and
 * stream (compiled on first use) and three pipe sockets; here the child gets a pipe for stdin and
 * anonymous memory files (memfd) for stdout and stderr, read once it has exited, and its exit is
 * awaited with waitpid on one of libuv's worker threads. Signals are reset to their defaults and
 * unblocked in the child, as libuv does. Where any of this is unavailable (koffi loads no glibc),
 * `directSpawnAvailable()` is false and the caller uses child_process.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { closeSync, writeSync } from 'node:fs';
import os from 'node:os';
import { O_CLOEXEC } from './constants.js';
import { readWhole } from './read-whole.js';
import { SystemCallError } from './system-call-error.js';
import { directSyscall } from './syscall-stubs.js';

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const MFD_CLOEXEC = 0x0001;
const WNOHANG = 1;
const EINTR = 4;
// glibc's opaque types are smaller (posix_spawn_file_actions_t 80 bytes, posix_spawnattr_t 336,
// sigset_t 128 on x86_64 and arm64): room to spare.
const ACTIONS_SIZE = 256;
const ATTR_SIZE = 512;
const SIGSET_SIZE = 128;

type Call<A extends unknown[]> = ((...args: A) => number) & { async(...args: [...A, (error: unknown, result: number) => void]): void };

interface SpawnFunctions {
  /** The fds, or -errno (the kernel's value: see syscall-stubs.ts). */
  pipe2(fds: Int32Array, flags: number): number;
  memfd_create(name: string, flags: number): number;
  /** Waits on one of libuv's worker threads for `pid` to exit; `done` gets the pid, or -errno. */
  waitExit(pid: number, status: Int32Array, done: (result: number) => void): void;
  posix_spawn: Call<[pid: Int32Array, path: string, actions: Buffer, attr: Buffer, argv: Array<string | null>, envp: Array<string | null>]>;
  posix_spawn_file_actions_init: Call<[actions: Buffer]>;
  posix_spawn_file_actions_adddup2: Call<[actions: Buffer, fd: number, to: number]>;
  posix_spawn_file_actions_destroy: Call<[actions: Buffer]>;
  posix_spawnattr_init: Call<[attr: Buffer]>;
  posix_spawnattr_setflags: Call<[attr: Buffer, flags: number]>;
  posix_spawnattr_setsigdefault: Call<[attr: Buffer, set: Buffer]>;
  posix_spawnattr_setsigmask: Call<[attr: Buffer, set: Buffer]>;
  posix_spawnattr_destroy: Call<[attr: Buffer]>;
  strerror: (errno: number) => string;
}

let bound: SpawnFunctions | null | undefined;

function functions(): SpawnFunctions | null {
  if (bound !== undefined) return bound;
  try {
    const lib = koffi.load('libc.so.6');
    bound = {
      ...kernelCalls(lib),
      posix_spawn: lib.func('int posix_spawn(void *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
      posix_spawn_file_actions_init: lib.func('int posix_spawn_file_actions_init(void *actions)'),
      posix_spawn_file_actions_adddup2: lib.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
      posix_spawn_file_actions_destroy: lib.func('int posix_spawn_file_actions_destroy(void *actions)'),
      posix_spawnattr_init: lib.func('int posix_spawnattr_init(void *attr)'),
      posix_spawnattr_setflags: lib.func('int posix_spawnattr_setflags(void *attr, short flags)'),
      posix_spawnattr_setsigdefault: lib.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
      posix_spawnattr_setsigmask: lib.func('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
      posix_spawnattr_destroy: lib.func('int posix_spawnattr_destroy(void *attr)'),
      strerror: lib.func('const char *strerror(int errnum)'),
    } as SpawnFunctions;
  } catch {
    bound = null;
  }
  return bound;
}

type KernelCalls = Pick<SpawnFunctions, 'pipe2' | 'memfd_create' | 'waitExit'>;

/**
 * pipe2, memfd_create and the wait through the generic stub (the kernel's -errno), or where there
 * is none, libc's functions with errno read right after a failure. (posix_spawn and its helpers
 * return their error number themselves.)
 */
function kernelCalls(lib: LibraryHandle): KernelCalls {
  const pipe2 = directSyscall<[Int32Array, number]>(lib, 'pipe2', 'void *fds, int flags');
  const memfdCreate = directSyscall<[string, number]>(lib, 'memfd_create', 'const char *name, unsigned int flags');
  const wait4 = directSyscall<[number, Int32Array, number, null]>(lib, 'wait4', 'int pid, void *status, int options, void *rusage');
  if (pipe2 !== undefined && memfdCreate !== undefined && wait4 !== undefined) {
    return {
      pipe2,
      memfd_create: memfdCreate,
      waitExit: (pid, status, done) =>
        wait4.async(pid, status, 0, null, (error, result) => {
          // koffi could not make the call (it never failed here): ask without waiting, as below.
          if (error) done(stillRunning(wait4(pid, status, WNOHANG, null)));
          else done(result);
        }),
    };
  }
  const errnoAfter = (call: (...args: never[]) => number) => (...args: never[]) => {
    const result = call(...args);
    return result === -1 ? -koffi.errno() : result;
  };
  const waitpid: Call<[pid: number, status: Int32Array, options: number]> = lib.func('int waitpid(int pid, void *status, int options)');
  return {
    pipe2: errnoAfter(lib.func('int pipe2(void *fds, int flags)')),
    memfd_create: errnoAfter(lib.func('int memfd_create(const char *name, unsigned int flags)')),
    waitExit: (pid, status, done) =>
      waitpid.async(pid, status, 0, (error, result) => {
        if (!error && result === pid) return done(result);
        // errno stays on the worker thread: ask again here without waiting, to tell an interrupted
        // wait (wait again) from a failure.
        const again = waitpid(pid, status, WNOHANG);
        done(stillRunning(again === -1 ? -koffi.errno() : again));
      }),
  };
}

/** A wait with WNOHANG that found the program running (0) as an interrupted wait: wait again. */
function stillRunning(result: number): number {
  return result === 0 ? -EINTR : result;
}

/** Whether spawnDirect can run here (glibc through koffi); otherwise use child_process. */
export function directSpawnAvailable(): boolean {
  return process.platform === 'linux' && functions() !== null;
}

/** How a program ended, and what it wrote. */
export interface DirectExit {
  /** The exit status, or the name of the signal that ended it ('SIGKILL'). */
  status: number | string;
  stdout: Buffer;
  stderr: Buffer;
}

/** A program started by spawnDirect. */
export interface DirectChild {
  readonly pid: number;
  /** Writes `input` to the program's stdin (all of it, waiting while the pipe is full) and closes it. */
  end(input: string): void;
  /** Sends `signal` to the program (nothing if it has already been waited for). */
  kill(signal: NodeJS.Signals): void;
  /** Settles once the program has exited. */
  readonly exited: Promise<DirectExit>;
}

function fail(f: SpawnFunctions, syscall: string, errno: number, detail: string): never {
  throw new SystemCallError(syscall, errno, detail, f.strerror(errno));
}

/** `result` (the kernel's value), unless it is -errno. */
function checked(f: SpawnFunctions, result: number, syscall: string, detail: string): number {
  if (result < 0) fail(f, syscall, -result, detail);
  return result;
}

function exitOf(raw: number): number | string {
  const signal = raw & 0x7f;
  if (signal === 0) return (raw >> 8) & 0xff;
  return Object.entries(os.constants.signals).find(([, number]) => number === signal)?.[0] ?? signal;
}

function readAll(fd: number): Buffer {
  return readWhole(fd, Buffer.allocUnsafe);
}

/**
 * Starts `file` (a path, not looked up on PATH) with `args` and `env` in the calling thread's
 * namespaces; the program's stdin is a pipe fed by `end`, its stdout and stderr are collected whole.
 * Throws a SystemCallError when the program cannot be started (missing, not executable ...).
 */
export function spawnDirect(file: string, args: readonly string[], env: NodeJS.ProcessEnv): DirectChild {
  const f = functions();
  if (f === null) throw new Error('spawnDirect: posix_spawn is not available here');
  const fds: number[] = [];
  const close = (fd: number) => {
    const i = fds.indexOf(fd);
    if (i >= 0) fds.splice(i, 1);
    closeSync(fd);
  };
  const actions = Buffer.alloc(ACTIONS_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  let pid: number;
  let stdinWrite: number;
  let stdout: number;
  let stderr: number;
  f.posix_spawn_file_actions_init(actions);
  f.posix_spawnattr_init(attr);
  try {
    const pipe = new Int32Array(2);
    checked(f, f.pipe2(pipe, O_CLOEXEC), 'pipe2', 'stdin');
    const stdinRead = pipe[0]!;
    stdinWrite = pipe[1]!;
    fds.push(stdinRead, stdinWrite);
    stdout = checked(f, f.memfd_create('stdout', MFD_CLOEXEC), 'memfd_create', 'stdout');
    fds.push(stdout);
    stderr = checked(f, f.memfd_create('stderr', MFD_CLOEXEC), 'memfd_create', 'stderr');
    fds.push(stderr);
    for (const [fd, to] of [[stdinRead, 0], [stdout, 1], [stderr, 2]] as const) {
      const e = f.posix_spawn_file_actions_adddup2(actions, fd, to);
      if (e !== 0) fail(f, 'posix_spawn_file_actions_adddup2', e, `${fd} -> ${to}`);
    }
    // Every signal, glibc's internal ones too (sigfillset leaves those out, and the child would
    // keep them ignored): all of them back to SIG_DFL, as libuv does.
    const all = Buffer.alloc(SIGSET_SIZE, 0xff);
    const none = Buffer.alloc(SIGSET_SIZE);
    f.posix_spawnattr_setsigdefault(attr, all);
    f.posix_spawnattr_setsigmask(attr, none);
    f.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const envp: Array<string | null> = [];
    for (const [key, value] of Object.entries(env)) if (value !== undefined) envp.push(`${key}=${value}`);
    envp.push(null);
    const out = new Int32Array(1);
    const e = f.posix_spawn(out, file, actions, attr, [file, ...args, null], envp);
    if (e !== 0) fail(f, 'posix_spawn', e, file);
    pid = out[0]!;
    close(stdinRead);
  } catch (error) {
    for (const fd of [...fds]) close(fd);
    throw error;
  } finally {
    f.posix_spawn_file_actions_destroy(actions);
    f.posix_spawnattr_destroy(attr);
  }
  let waited = false;
  const exited = new Promise<DirectExit>((resolve, reject) => {
    const status = new Int32Array(1);
    const finish = () => {
      waited = true;
      if (fds.includes(stdinWrite)) close(stdinWrite);
      const outcome = { status: exitOf(status[0]!), stdout: readAll(stdout), stderr: readAll(stderr) };
      close(stdout);
      close(stderr);
      resolve(outcome);
    };
    const wait = (): void =>
      f.waitExit(pid, status, (result) => {
        if (result === pid) return finish();
        if (result === -EINTR) return wait();
        for (const fd of [...fds]) close(fd);
        reject(new SystemCallError('waitpid', -result, `pid ${pid}`, f.strerror(-result)));
      });
    wait();
  });
  return {
    pid,
    end(input) {
      if (!fds.includes(stdinWrite)) return;
      const bytes = Buffer.from(input);
      try {
        let done = 0;
        while (done < bytes.length) done += writeSync(stdinWrite, bytes, done);
      } catch (error) {
        // A program may exit without reading its stdin.
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
      } finally {
        close(stdinWrite);
      }
    },
    kill(signal) {
      if (!waited) process.kill(pid, signal);
    },
    exited,
  };
}
