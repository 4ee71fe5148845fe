/**
 * The same words in and out, checked by the compiler (`npm run build` type-checks test/): what a
 * read returns is accepted as it is by the call that writes it. A read type that drifts from its
 * spec (a field renamed on one side, a wider type read back) fails the build here.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Address, AddressSpec, Change, FdbEntry, FdbSpec, Filter, FilterSpec, IpNeighbor, Link, LinkChanges, LinkState, Nexthop, NexthopObject, NexthopObjectSpec,
  NexthopSpec, Qdisc, Route, RouteSpec, Rule, RuleSpec, Namespace, TrafficControl, CommonLinkOptions,
} from '../../lib/index.js';

type Arg<F, N extends number = 0> = F extends (...args: infer A) => unknown ? A[N] : never;

describe('the same words in and out (types)', () => {
  it('routes, addresses, neighbours, FDB entries, rules and nexthop objects read back are their specs', () => {
    expectTypeOf<Route>().toExtend<RouteSpec>();
    expectTypeOf<Nexthop>().toExtend<NexthopSpec>();
    expectTypeOf<Address>().toExtend<AddressSpec>();
    expectTypeOf<IpNeighbor>().toExtend<NeighborSpecOf<Namespace>>();
    expectTypeOf<FdbEntry>().toExtend<FdbSpec>();
    expectTypeOf<Rule>().toExtend<RuleSpec>();
    expectTypeOf<NexthopObject>().toExtend<NexthopObjectSpec>();
    expectTypeOf<Route>().toExtend<Arg<Namespace['deleteRoute']>>();
    expectTypeOf<{ do: 'address delete'; address: Address }>().toExtend<Change>();
    expectTypeOf<{ do: 'neighbor delete'; neighbor: IpNeighbor }>().toExtend<Change>();
    expectTypeOf<{ do: 'fdb delete'; fdb: FdbEntry }>().toExtend<Change>();
    expectTypeOf<{ do: 'route delete'; route: Route }>().toExtend<Change>();
  });

  it('devices read back (an index, a Link, a link state) are what every dev and master option takes', () => {
    expectTypeOf<Link>().toExtend<NonNullable<LinkChanges['master']>>();
    expectTypeOf<NonNullable<LinkState['master']>>().toExtend<NonNullable<LinkChanges['master']>>();
    expectTypeOf<NonNullable<Link['master']>>().toExtend<NonNullable<CommonLinkOptions['master']>>();
    expectTypeOf<LinkState>().toExtend<Arg<Namespace['link']>>();
    expectTypeOf<Qdisc['dev']>().toExtend<Arg<TrafficControl['addQdisc']>>();
    expectTypeOf<Filter['dev']>().toExtend<Arg<TrafficControl['addFilter']>>();
    expectTypeOf<NonNullable<Filter['actions']>>().toExtend<NonNullable<FilterSpec['actions']>>();
  });
});

type NeighborSpecOf<N extends Namespace> = Arg<N['addNeighbor']>;
