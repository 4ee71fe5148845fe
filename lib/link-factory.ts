import { Bridge } from './bridge.js';
import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { createLinkIn, placeNewLink, type NewLinkOptions } from './new-link.js';
import { classKindOf } from './rtnl/link-reply.js';
import { type CreateLinkOptions, type LinkKindName, type LinkState } from './rtnl/links.js';
import { Vxlan } from './vxlan.js';

/** The richest class for a link: Bridge and Vxlan have methods of their own; every other kind is a Link. */
export function linkFromState(namespace: Namespace, state: LinkState): Link {
  const kind = classKindOf(state);
  if (kind === 'bridge') return new Bridge(namespace, state);
  if (kind === 'vxlan') return new Vxlan(namespace, state);
  return new Link(namespace, state);
}

/** What `createLink` takes: the kind, where the link goes, the common options and the kind's own. */
export type CreateLinkCallOptions<K extends LinkKindName> = { kind: K } & NewLinkOptions & CreateLinkOptions<K>;

/**
 * Creates a link of any kind in the registry (messages/link/kinds/), like
 * `ip link add NAME [common options] type KIND [kind options]`:
 *
 *   await createLink({ kind: 'macvlan', name: 'm0', namespace: ns, link: 'eth0', mode: 'bridge' });
 *
 * Every option is checked before anything is sent; devices the options name are looked up, then
 * one RTM_NEWLINK is sent and the link read back.
 */
export async function createLink<K extends LinkKindName>(options: CreateLinkCallOptions<K>): Promise<Link> {
  const { name, namespace, rest } = placeNewLink(options, "{ kind, name, namespace, ...options } (e.g. { kind: 'macvlan', name: 'm0', namespace: ns, link: 'eth0' })");
  const { kind, ...kindOptions } = rest as { kind: K } & CreateLinkOptions<K>;
  return linkFromState(namespace, await createLinkIn(namespace, kind, name, kindOptions as unknown as CreateLinkOptions<K>));
}
