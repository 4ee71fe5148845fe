/**
 * IFLA_IFNAME (linux/if_link.h), in a module of its own: the cni-bridge executable's first stage
 * writes it (lib/rtnl/ifinfo.ts), and its bundle carries every module it takes in whole, with an
 * export object for the engine to share (scripts/bundle-cni.mjs); the other IFLA numbers
 * (attribute-types.ts) are the engine's alone.
 */
export const IFLA_IFNAME = 3;
