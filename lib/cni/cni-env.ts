/**
 * The per-call CNI parameters as the delegated IPAM plugin receives them, from a command's options
 * or from the executable's CNI_* environment. Apart from call.ts (which opens namespaces) so that
 * the cni-bridge executable can start the IPAM plugin before it loads the engine.
 */
import type { CniEnv } from './exec.js';

/** Something that names a namespace: a path (CNI_NETNS), or an open one (a Namespace has both). */
export type NetnsLike = string | { readonly fd: number; readonly path?: string };

export function netnsPath(ref: NetnsLike | undefined): string {
  if (ref === undefined) return '';
  return typeof ref === 'string' ? ref : (ref.path ?? '');
}

export function cniEnv(options: { containerId?: string; netns?: NetnsLike; ifname?: string; args?: string; cniPath?: string }): CniEnv {
  return {
    containerId: options.containerId ?? '',
    netns: netnsPath(options.netns),
    ifname: options.ifname ?? '',
    args: options.args ?? '',
    path: options.cniPath ?? process.env.CNI_PATH ?? '/opt/cni/bin',
  };
}

/** A command's options as the command line reads them from CNI_*; `netns` only when CNI_NETNS is set. */
export function callOptions(env: NodeJS.ProcessEnv): { containerId: string; ifname: string; args: string; cniPath: string; netns?: string } {
  const call = { containerId: env.CNI_CONTAINERID ?? '', ifname: env.CNI_IFNAME ?? '', args: env.CNI_ARGS ?? '', cniPath: env.CNI_PATH ?? '' };
  return env.CNI_NETNS ? { ...call, netns: env.CNI_NETNS } : call;
}
