/** Running a CNI plugin (the reference's or ours) inside a namespace standing for the host. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Namespace } from '../../lib/index.js';

export const REFERENCE = '/usr/lib/cni/bridge';
export const CNI_PATH = '/usr/lib/cni';
/** The executable as installed (package.json "bin"): the bundle `npm run build` makes. */
export const OURS = fileURLToPath(new URL('../../dist/bundle/cni-bridge.cjs', import.meta.url).href.replace('/dist/test/integration/', '/').replace('/test/integration/', '/'));

export type Plugin = 'reference' | 'ours';

export interface PluginRun {
  status: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

export interface PluginEnv {
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  /** TMPDIR: where the executable keeps its code caches. */
  tmpdir?: string;
}

/** Executes the plugin in `host` with CNI_COMMAND=`command` and `conf` on stdin. */
export function runPlugin(plugin: Plugin, host: Namespace, command: string, conf: unknown, env: PluginEnv = {}): Promise<PluginRun> {
  return plugin === 'reference' ? runExecutable(REFERENCE, [], host, command, conf, env) : runExecutable(process.execPath, [OURS], host, command, conf, env);
}

/** Executes another build of our executable, at `file` (a cni-bridge.cjs), as runPlugin does ours. */
export function runOursAt(file: string, host: Namespace, command: string, conf: unknown, env: PluginEnv = {}): Promise<PluginRun> {
  return runExecutable(process.execPath, [file], host, command, conf, env);
}

/** Executes one of the reference's other plugins (portmap, bandwidth, tuning) in `host`. */
export function runReferencePlugin(type: string, host: Namespace, command: string, conf: unknown, env: PluginEnv = {}): Promise<PluginRun> {
  return runExecutable(join(CNI_PATH, type), [], host, command, conf, env);
}

function runExecutable(file: string, args: string[], host: Namespace, command: string, conf: unknown, env: PluginEnv): Promise<PluginRun> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, CNI_COMMAND: command, CNI_PATH: env.path ?? CNI_PATH };
  if (env.containerId !== undefined) childEnv.CNI_CONTAINERID = env.containerId;
  if (env.netns !== undefined) childEnv.CNI_NETNS = env.netns;
  if (env.ifname !== undefined) childEnv.CNI_IFNAME = env.ifname;
  if (env.args !== undefined) childEnv.CNI_ARGS = env.args;
  if (env.tmpdir !== undefined) childEnv.TMPDIR = env.tmpdir;
  const child = host.spawn(file, args, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(typeof conf === 'string' ? conf : JSON.stringify(conf));
  return new Promise((resolve) =>
    child.on('close', (status) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status, stdout, stderr, json });
    }),
  );
}
