import { Bridge } from './bridge.js';
import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import type { LinkState } from './rtnl/links.js';
import { Vxlan } from './vxlan.js';

/** The richest class for a link: Bridge and Vxlan have methods of their own. */
export function linkFromState(namespace: Namespace, state: LinkState): Link {
  if (state.kind === 'bridge') return new Bridge(namespace, state);
  if (state.kind === 'vxlan') return new Vxlan(namespace, state);
  return new Link(namespace, state);
}
