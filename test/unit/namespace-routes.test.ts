import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { SILENT_LOGGER, type Logger } from '../../lib/log.js';
import { NamespaceTables } from '../../lib/namespace-tables.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import type { RouteSpec } from '../../lib/rtnl/routes.js';
import { NLM_F_ACK, RTM_GETLINK, RTM_NEWLINK, RTM_NEWROUTE } from '../../messages/constants.js';
import type { LinkMessage, NetlinkMessage, RouteMessage } from '../../messages/message.js';
import { ack, fakeKernel, type FakeTransport } from '../helpers/fake-kernel.js';

// ns.addRoute and ns.deleteRoute send a spec whose devices are indexes straight to the connection
// the namespace holds open when it logs nothing (NamespaceTables.unloggedConnection), and anything
// else through Rtnl. Either way each must send the same frames as Rtnl's own method and settle
// the same way, whatever the spec.

/** Tables over one Rtnl, told of it as the namespace's handles tell a Namespace, or not told (`told` false). */
class Tables extends NamespaceTables {
  constructor(readonly client: Rtnl, told: boolean) {
    super();
    if (told) this.rtnlChanged(client);
  }
  get rtnl(): Rtnl {
    return this.client;
  }
}

/** Knows eth0 (index 7); refuses routes to 10.9.0.0/16 with EEXIST; `synchronous` answers within the send, as the real socket does. */
function kernel(synchronous: boolean): FakeTransport {
  return fakeKernel(
    (req: NetlinkMessage) => {
      if (req.type === RTM_GETLINK) {
        if ((req as LinkMessage).body.attrs.ifname !== 'eth0') return [ack(req, -19)];
        return [{ kind: 'link', type: RTM_NEWLINK, flags: 0, seq: req.seq, pid: 0, body: { family: 0, type: 1, index: 7, flags: 0, change: 0, attrs: { ifname: 'eth0' } } } as LinkMessage];
      }
      if (req.type === RTM_NEWROUTE && (req as RouteMessage).body.attrs.dst === '10.9.0.0') return [ack(req, -17)];
      return req.flags & NLM_F_ACK ? [ack(req)] : [];
    },
    synchronous ? { synchronous: true, readsUntilEmpty: true } : {},
  );
}

const SPECS: unknown[] = [
  { dst: '10.1.0.0/24', dev: 3 },
  { dst: '10.1.2.3', dev: 3, metric: 20, table: 100 },
  { dst: 'default', via: '10.0.0.1' },
  { dst: '10.9.0.0/16', dev: 3 },
  { dst: '10.2.0.0/24', dev: 'eth0' },
  { dst: '10.3.0.0/24', dev: 'wlan9' },
  { dst: '10.4.0.0/24', dev: { index: 5 } },
  { dst: '10.5.0.0/24', nexthops: [{ via: '10.0.0.1', dev: 'eth0' }, { via: '10.0.0.2', dev: 2 }] },
  { dst: '10.6.0.0/24', nexthops: [{ via: '10.0.0.1', dev: 4 }] },
  { dst: 'fd00::/64', dev: 3 },
  { dst: '10.7.0.0/33', dev: 3 },
  { dst: '10.8.0.0/24', dev: 0 },
  { dst: '10.8.0.0/24', dev: 'bad name with spaces' },
  null,
  undefined,
  'default',
  42,
  Object.create({ dst: '10.10.0.0/24', dev: 3 }) as unknown,
  {
    dst: '10.11.0.0/24',
    get dev(): number {
      throw new Error('a getter that throws');
    },
  },
];

type Outcome = { sent: string[]; settled: string };

/** What `call` sends, and how its promise settles (or what it throws), one spec after another. */
async function outcomes(kind: 'add' | 'delete', call: (spec: RouteSpec) => Promise<void>, transport: FakeTransport): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const spec of SPECS) {
    const before = transport.sent.length;
    let settled: string;
    try {
      await call(spec as RouteSpec);
      settled = 'applied';
    } catch (error) {
      settled = `${(error as Error).constructor.name}: ${(error as Error).message} ${(error as { code?: string }).code ?? ''}`;
    }
    out.push({ sent: transport.sent.slice(before).map((d) => Buffer.from(d).toString('hex')), settled: `${kind} ${settled}` });
  }
  return out;
}

describe('NamespaceTables.addRoute and deleteRoute', () => {
  for (const synchronous of [true, false]) {
    for (const logger of [undefined, 'debug'] as const) {
      it(`send what Rtnl's methods send and settle as they do (${synchronous ? 'answers within the send' : 'answers later'}, ${logger ?? 'silent'} logger)`, async () => {
        const rtnlLogs: unknown[] = [];
        const tablesLogs: unknown[] = [];
        const viaRtnl = kernel(synchronous);
        const rtnl = new Rtnl(new Connection(viaRtnl, { logger: logger === undefined ? undefined : recordingLogger(rtnlLogs) }));
        const viaTables = kernel(synchronous);
        const tables = new Tables(new Rtnl(new Connection(viaTables, { logger: logger === undefined ? undefined : recordingLogger(tablesLogs) })), true);
        expect(tables.unloggedConnection).toBe(logger === undefined ? tables.client.connection : undefined);
        for (const kind of ['add', 'delete'] as const) {
          const expected = await outcomes(kind, (spec) => (kind === 'add' ? rtnl.addRoute(spec) : rtnl.deleteRoute(spec)), viaRtnl);
          const got = await outcomes(kind, (spec) => (kind === 'add' ? tables.addRoute(spec) : tables.deleteRoute(spec)), viaTables);
          expect(got).toEqual(expected);
          expect(expected.filter((o) => o.settled.endsWith('applied')).length).toBeGreaterThan(3);
        }
        expect(tablesLogs).toEqual(rtnlLogs);
        expect(rtnlLogs.length === 0).toBe(logger === undefined);
        rtnl.close();
        tables.client.close();
      });
    }
  }

  it('go through `rtnl` until told of a client, and again once told it was released', async () => {
    const transport = kernel(true);
    const client = new Rtnl(new Connection(transport));
    const tables = new Tables(client, false);
    expect([tables.rtnlMade, tables.unloggedConnection]).toEqual([undefined, undefined]);
    await tables.addRoute({ dst: '10.1.0.0/24', dev: 3 });
    tables.rtnlChanged(client);
    expect(tables.rtnlMade).toBe(client);
    expect(tables.unloggedConnection).toBe(client.connection);
    await tables.deleteRoute({ dst: '10.1.0.0/24', dev: 3 });
    tables.rtnlChanged(undefined);
    expect([tables.rtnlMade, tables.unloggedConnection]).toEqual([undefined, undefined]);
    await tables.addRoute({ dst: '10.1.0.0/24', dev: 3 });
    expect(transport.requests.map((r) => r.type)).toEqual([RTM_NEWROUTE, RTM_NEWROUTE + 1, RTM_NEWROUTE]);
    client.close();
  });
});

/** A logger at debug level (each change is then logged: applyRoute's path) keeping its debug records, the time left out. */
function recordingLogger(records: unknown[]): Logger {
  const logger: Logger = {
    ...SILENT_LOGGER,
    isLevelEnabled: (level) => level === 'debug',
    debug: (fields: object | string, message?: string) => {
      const { ms: _ms, ...rest } = (typeof fields === 'object' ? fields : {}) as { ms?: number };
      records.push([rest, typeof fields === 'string' ? fields : message]);
    },
    child: () => logger,
  };
  return logger;
}
