import type { BodyCodec } from './body.js';
import { neighborBody } from './neighbor/index.js';
import { nexthopBody } from './nexthop/index.js';
import { ruleBody } from './rule/index.js';
import { filterBody, qdiscBody } from './tc/index.js';

/** The message kinds whose body codecs messages/message.ts reads through laterBody. */
export type LaterKind = 'neighbor' | 'rule' | 'qdisc' | 'filter' | 'nexthop';

/**
 * The body codec of a neighbour, rule, traffic control or nexthop message. A function rather than the
 * codecs themselves, so that the package's core can leave these messages' modules to its lazily
 * loaded part (scripts/bundle-package.mjs), which a function call loads on first use.
 */
export function laterBody(kind: LaterKind): BodyCodec<unknown> {
  switch (kind) {
    case 'neighbor':
      return neighborBody as BodyCodec<unknown>;
    case 'rule':
      return ruleBody as BodyCodec<unknown>;
    case 'qdisc':
      return qdiscBody as BodyCodec<unknown>;
    case 'filter':
      return filterBody as BodyCodec<unknown>;
    case 'nexthop':
      return nexthopBody as BodyCodec<unknown>;
  }
}
