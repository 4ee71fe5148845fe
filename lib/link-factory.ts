import { Bridge } from './bridge.js';
import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { createLinkOfKind, type CreateLinkOptions, type LinkKindName, type LinkState } from './rtnl/links.js';
import { Vxlan } from './vxlan.js';

/** The richest class for a link: Bridge and Vxlan have methods of their own; every other kind is a Link. */
export function linkFromState(namespace: Namespace, state: LinkState): Link {
  if (state.kind === 'bridge') return new Bridge(namespace, state);
  if (state.kind === 'vxlan') return new Vxlan(namespace, state);
  return new Link(namespace, state);
}

/**
 * Creates link `name` of any kind in the registry (messages/link/kinds/) in `namespace`, like
 * `ip link add NAME [common options] type KIND [kind options]`:
 *
 *   await createLink(ns, 'macvlan', 'm0', { link: 'eth0', mode: 'bridge' });
 *
 * Every option is checked before anything is sent; devices the options name are looked up, then
 * one RTM_NEWLINK is sent and the link read back.
 */
export async function createLink<K extends LinkKindName>(namespace: Namespace, kind: K, name: string, options: CreateLinkOptions<K>): Promise<Link> {
  return linkFromState(namespace, await createLinkOfKind(namespace.rtnl, kind, name, options));
}
