/**
 * Delegation to another plugin (IPAM), as the reference's invoke package does it: the plugin is
 * looked up on CNI_PATH, executed with our environment (CNI_COMMAND set to the operation) and our
 * stdin configuration, and its stdout parsed as a result or as an error.
 */
import { join } from 'node:path';
import { directSpawnAvailable, spawnDirect, type DirectChild, type DirectExit } from '../sys/direct-spawn.js';
import { isRegularFile, spawnProgram } from '../sys/programs.js';
import { CNI_ERRORS, CniError } from './errors.js';

/** The per-call CNI parameters a delegated plugin receives in its environment. */
export interface CniEnv {
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string;
}

export interface ExecOptions {
  /** Runs the child inside another network namespace (the "host" one), given as an fd. */
  spawnIn?: <T>(start: () => T) => T;
  /** Base environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * The plugin is started now but given its stdin only once this resolves; if it rejects, the
   * plugin is killed before it has read anything (a CNI plugin reads its configuration before it
   * acts) and execPlugin rejects with the same reason. What the caller set going before this call
   * is under way before the child is started (it starts on the event loop's next turn).
   */
  stdinAfter?: Promise<unknown>;
}

/** The executable for `plugin` on `cniPath` (':'-separated), like invoke.FindInPath. */
export function findInPath(plugin: string, cniPath: string): string {
  if (plugin === '') throw new CniError(CNI_ERRORS.INTERNAL, 'no plugin name provided');
  if (plugin.includes('/')) throw new CniError(CNI_ERRORS.INTERNAL, `invalid plugin name: ${plugin}`);
  const dirs = cniPath.split(':').filter((d) => d !== '');
  if (dirs.length === 0) throw new CniError(CNI_ERRORS.INTERNAL, 'no paths provided');
  for (const dir of dirs) {
    const full = join(dir, plugin);
    if (isRegularFile(full)) return full;
  }
  throw new CniError(CNI_ERRORS.INTERNAL, `failed to find plugin "${plugin}" in path [${dirs.join(' ')}]`);
}

/**
 * Runs plugin `type` with CNI_COMMAND=`command`, `stdin` on its standard input; resolves with its
 * parsed stdout (undefined when empty). A failure becomes the plugin's own error JSON (its code
 * kept), or an internal error quoting its stderr when it printed no JSON.
 */
export async function execPlugin(type: string, command: string, stdin: string, env: CniEnv, options: ExecOptions = {}): Promise<unknown> {
  const file = findInPath(type, env.path);
  const childEnv: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    CNI_COMMAND: command,
    CNI_CONTAINERID: env.containerId,
    CNI_NETNS: env.netns,
    CNI_IFNAME: env.ifname,
    CNI_ARGS: env.args,
    CNI_PATH: env.path,
  };
  const gate = options.stdinAfter;
  if (gate !== undefined) {
    // Its rejection is this call's, once the child is started: not an unhandled one meanwhile.
    gate.catch(() => undefined);
    await new Promise(setImmediate);
  }
  const start = () => startPlugin(file, childEnv);
  const child = options.spawnIn ? options.spawnIn(start) : start();
  if (gate !== undefined) {
    try {
      await gate;
    } catch (error) {
      child.kill('SIGKILL');
      await child.exited.catch(() => undefined);
      throw error;
    }
  }
  child.end(stdin);
  const exit = await child.exited;
  return pluginOutcome(type, exit.status, exit.stdout, exit.stderr);
}

type PluginChild = Pick<DirectChild, 'end' | 'kill' | 'exited'>;

/** The plugin started with posix_spawn where it can be (spawnDirect), else with child_process. */
function startPlugin(file: string, env: NodeJS.ProcessEnv): PluginChild {
  if (directSpawnAvailable()) {
    try {
      return spawnDirect(file, [], env);
    } catch (error) {
      throw new CniError(CNI_ERRORS.INTERNAL, `failed to run ${file}: ${(error as Error).message}`, undefined, { cause: error });
    }
  }
  const child = spawnProgram(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdin!.on('error', () => undefined); // a plugin may exit without reading stdin
  const exited = new Promise<DirectExit>((resolve, reject) => {
    child.on('error', (e) => reject(new CniError(CNI_ERRORS.INTERNAL, `failed to run ${file}: ${e.message}`, undefined, { cause: e })));
    child.on('close', (code, signal) => resolve({ status: code ?? signal ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
  return { end: (input) => child.stdin!.end(input), kill: (signal) => child.kill(signal), exited };
}

/** The parsed stdout of a plugin that exited with `status`, or its failure as a CniError. */
function pluginOutcome(type: string, status: number | string, out: Buffer, err: Buffer): unknown {
  const stdout = out.toString('utf8');
  const stderr = err.toString('utf8');
  if (stderr) process.stderr.write(stderr);
  if (status !== 0) {
    if (stdout.trim() === '') {
      throw new CniError(CNI_ERRORS.INTERNAL, stderr ? `netplugin failed: ${JSON.stringify(stderr)}` : `netplugin failed with no error message: exit status ${status}`);
    }
    let e: { code?: unknown; msg?: unknown; details?: unknown };
    try {
      e = JSON.parse(stdout);
    } catch (error) {
      throw CniError.wrap(CNI_ERRORS.INTERNAL, `netplugin failed but error parsing its diagnostic message ${JSON.stringify(stdout)}`, error);
    }
    throw new CniError(
      typeof e.code === 'number' && e.code > 0 ? e.code : CNI_ERRORS.INTERNAL,
      typeof e.msg === 'string' ? e.msg : `${type} failed`,
      typeof e.details === 'string' && e.details !== '' ? e.details : undefined,
    );
  }
  if (stdout.trim() === '') return undefined;
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw CniError.wrap(CNI_ERRORS.DECODING_FAILURE, `failed to parse the result of ${type}`, error);
  }
}
