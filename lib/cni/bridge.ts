/**
 * The CNI bridge engine: what the reference `bridge` plugin does on ADD, DEL, CHECK, GC and
 * STATUS, over this library's object model and (for ipMasq) its nftables NAT, one file per verb.
 * Both the `cni-bridge` executable and Node services (attachContainer) call it.
 */
export { attach, attachContainer } from './add.js';
export { gatewayOf } from './addressing.js';
export { natOwner, type AttachOptions, type ConfigInput, type DetachOptions, type GcOptions, type NetnsLike } from './call.js';
export { checkContainer } from './check.js';
export { detach, detachContainer } from './del.js';
export { gcNetwork, networkStatus } from './gc.js';
export type { CniInterface, CniIpConfig } from './types.js';
