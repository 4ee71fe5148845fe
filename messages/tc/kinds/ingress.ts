import { defineTable, type ValuesOf } from '../../attributes/table.js';

/**
 * Kinds "ingress" and "clsact": their TCA_OPTIONS is an empty nest in the kernel's dumps and
 * absent from tc's requests; anything else inside it is kept as unknown.
 */
export const ingressAttributes = defineTable('TCA_INGRESS', () => []);

/** An ingress or clsact qdisc's TCA_OPTIONS (no attributes of its own). */
export type IngressOptions = ValuesOf<typeof ingressAttributes>;
