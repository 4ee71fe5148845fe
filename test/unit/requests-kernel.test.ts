import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, type NetlinkMessage } from '../../messages/message.js';
import { AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC, RTM_GETLINK, RTM_GETROUTE, NLM_F_DUMP, NLM_F_REQUEST } from '../../messages/constants.js';
import { dumpAddresses, dumpLinks, dumpNeighbors, dumpNsids, dumpRoutes, getLink, getNeighbor, getNsid, getRoute } from '../../messages/requests.js';
import { RTEXT_FILTER_SKIP_STATS } from '../../messages/link/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

// Sends every builder's request to the real kernel on a socket with NETLINK_GET_STRICT_CHK and
// NETLINK_EXT_ACK set, and checks that it is accepted (no NLMSG_ERROR, a DONE with status 0 for
// dumps), and that the answers honour the filters. Runs only as root inside the private
// namespace `npm test` creates; the requests go to a further named namespace of its own.
// The netlink package's RawNetlinkSocket cannot setsockopt, so a child process (run with
// `ip netns exec`) opens the socket through koffi (socket/setsockopt/send/recv from libc).

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NS = `rq-strict-${process.pid}`;

const CHILD = `
import koffi from 'koffi';
import { readFileSync } from 'node:fs';
const lib = koffi.load('libc.so.6');
const socket = lib.func('int socket(int, int, int)');
const setsockopt = lib.func('int setsockopt(int, int, int, const void *, uint32_t)');
const send = lib.func('intptr_t send(int, const void *, size_t, int)');
const recv = lib.func('intptr_t recv(int, _Out_ void *, size_t, int)');
const close = lib.func('int close(int)');
const int = (v) => Buffer.from(Int32Array.of(v).buffer);
const results = [];
for (const hex of JSON.parse(readFileSync(0, 'utf8'))) {
  const fd = socket(16, 3 | 0x80000, 0); // AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE
  if (fd < 0) throw new Error('socket: errno ' + koffi.errno());
  // SOL_NETLINK 270: NETLINK_EXT_ACK 11, NETLINK_GET_STRICT_CHK 12
  if (setsockopt(fd, 270, 11, int(1), 4) !== 0 || setsockopt(fd, 270, 12, int(1), 4) !== 0) throw new Error('setsockopt: errno ' + koffi.errno());
  // SOL_SOCKET 1, SO_RCVTIMEO 20: struct timeval { 5 s }
  setsockopt(fd, 1, 20, Buffer.from(BigInt64Array.of(5n, 0n).buffer), 16);
  const request = Buffer.from(hex, 'hex');
  if (send(fd, request, request.length, 0) !== request.length) throw new Error('send: errno ' + koffi.errno());
  const datagrams = [];
  for (;;) {
    const buf = Buffer.alloc(65536);
    const n = recv(fd, buf, buf.length, 0);
    if (n < 0) { datagrams.push('timeout'); break; }
    datagrams.push(buf.subarray(0, n).toString('hex'));
    let end = false;
    for (let off = 0; off + 16 <= n; ) {
      const len = buf.readUInt32LE(off), type = buf.readUInt16LE(off + 4), flags = buf.readUInt16LE(off + 6);
      if (type === 2 || type === 3 || !(flags & 2)) end = true; // ERROR, DONE, or a single answer
      off += (len + 3) & ~3;
      if (len < 16) break;
    }
    if (end) break;
  }
  close(fd);
  results.push(datagrams);
}
process.stdout.write(JSON.stringify(results));
`;

function ask(requests: NetlinkMessage[]): NetlinkMessage[][] {
  const input = JSON.stringify(requests.map((m) => Buffer.from(encodeMessage({ ...m, seq: 1 })).toString('hex')));
  const out = execFileSync('ip', ['netns', 'exec', NS, process.execPath, '--input-type=module', '-e', CHILD], { cwd: REPO, input, encoding: 'utf8' });
  return (JSON.parse(out) as string[][]).map((datagrams) => {
    if (datagrams.includes('timeout')) throw new Error('no answer from the kernel');
    return datagrams.flatMap((d) => decodeMessages(Uint8Array.from(Buffer.from(d, 'hex'))));
  });
}

function ip(...args: string[]): void {
  execFileSync('ip', ['-n', NS, ...args], { stdio: 'pipe' });
}

/** Fails with the kernel's extended-ACK text if it refused the request. */
function accepted(answer: NetlinkMessage[]): NetlinkMessage[] {
  for (const m of answer) {
    if ((m.kind === 'error' || m.kind === 'done') && m.body.error !== 0) {
      throw new Error(`kernel refused: errno ${-m.body.error} ${m.body.ext?.msg ?? ''}`);
    }
  }
  return answer;
}

function refusal(answer: NetlinkMessage[]): string {
  const err = answer.find((m) => m.kind === 'error' || m.kind === 'done');
  if (!err || (err.kind !== 'error' && err.kind !== 'done') || err.body.error === 0) return 'accepted';
  return `${err.body.error} ${err.body.ext?.msg ?? ''}`;
}

type BodyOf<K extends NetlinkMessage['kind']> = Extract<NetlinkMessage, { kind: K }>['body'];

function bodies<K extends NetlinkMessage['kind']>(answer: NetlinkMessage[], kind: K): Array<BodyOf<K>> {
  const out: Array<BodyOf<K>> = [];
  for (const m of answer) if (m.kind === kind) out.push(m.body as BodyOf<K>);
  return out;
}

describe.skipIf(!canRunIntegration)(`a strict-checking kernel accepts the request builders ${integrationSkipReason ?? ''}`, () => {
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    ip('link', 'add', 'br0', 'type', 'bridge');
    ip('link', 'set', 'vb', 'master', 'br0');
    for (const dev of ['va', 'vb', 'br0']) ip('link', 'set', dev, 'up');
    ip('addr', 'add', '10.0.0.2/24', 'dev', 'va');
    ip('-6', 'addr', 'add', 'fd00::2/64', 'dev', 'va', 'nodad');
    ip('route', 'add', '10.2.0.0/24', 'dev', 'va', 'table', '100');
    ip('route', 'add', '10.3.0.0/24', 'dev', 'va', 'table', '1000', 'proto', 'static');
    ip('neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'va');
    ip('neigh', 'add', 'proxy', '10.0.0.77', 'dev', 'va');
    ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.168.56.11');
    execFileSync('ip', ['netns', 'exec', NS, 'bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '192.168.56.12']);
    execFileSync('ip', ['netns', 'add', `${NS}-peer`]);
    execFileSync('ip', ['-n', NS, 'netns', 'set', `${NS}-peer`, '7']);
  });

  afterAll(() => {
    for (const name of [NS, `${NS}-peer`]) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
      } catch {
        // already gone
      }
    }
  });

  const index = (answer: NetlinkMessage[], name: string): number => {
    const link = bodies(answer, 'link').find((b) => (b.attrs as { ifname?: string }).ifname === name);
    if (!link) throw new Error(`no link ${name}`);
    return link.index;
  };

  it('link, address, route, neighbour and nsid requests', () => {
    const [links] = ask([dumpLinks({ skipStats: true })]);
    accepted(links!);
    const va = index(links!, 'va');
    const br0 = index(links!, 'br0');
    const vx0 = index(links!, 'vx0');

    const requests: Array<[string, NetlinkMessage, (answer: NetlinkMessage[]) => void]> = [
      ['getLink name', getLink({ name: 'va' }, { skipStats: true }), (a) => expect(bodies(a, 'link').map((b) => b.index)).toEqual([va])],
      ['getLink index', getLink({ index: br0 }, { ack: true }), (a) => expect(bodies(a, 'link').map((b) => b.index)).toEqual([br0])],
      ['dumpLinks master', dumpLinks({ master: br0, skipStats: true }), (a) => expect(bodies(a, 'link').map((b) => (b.attrs as { ifname?: string }).ifname)).toEqual(['vb'])],
      ['dumpLinks kind', dumpLinks({ kind: 'veth' }), (a) => expect(bodies(a, 'link').map((b) => (b.attrs as { ifname?: string }).ifname).sort()).toEqual(['va', 'vb'])],
      ['dumpLinks inet6', dumpLinks({ family: AF_INET6 }), (a) => expect(bodies(a, 'link').length).toBeGreaterThan(0)],
      ['dumpLinks bridge', dumpLinks({ family: AF_BRIDGE, extMask: RTEXT_FILTER_SKIP_STATS }), (a) => expect(bodies(a, 'link').map((b) => b.index)).toContain(index(links!, 'vb'))],
      ['dumpLinks netns', dumpLinks({ targetNetnsid: 7, skipStats: true }), (a) => expect(bodies(a, 'link').map((b) => (b.attrs as { ifname?: string }).ifname)).toEqual(['lo'])],
      ['dumpAddresses', dumpAddresses(), (a) => expect(bodies(a, 'address').length).toBeGreaterThanOrEqual(3)],
      ['dumpAddresses unspec index', dumpAddresses({ index: va }), (a) => expect(bodies(a, 'address').every((b) => b.index === va)).toBe(true)],
      ['dumpAddresses index', dumpAddresses({ family: AF_INET, index: va }), (a) => expect(bodies(a, 'address').map((b) => b.attrs.local)).toEqual(['10.0.0.2'])],
      ['dumpAddresses v6', dumpAddresses({ family: AF_INET6, index: va }), (a) => expect(bodies(a, 'address').map((b) => b.attrs.address)).toContain('fd00::2')],
      ['dumpRoutes', dumpRoutes(), (a) => expect(bodies(a, 'route').length).toBeGreaterThan(3)],
      ['dumpRoutes table 100', dumpRoutes({ family: AF_INET, table: 100 }), (a) => expect(bodies(a, 'route').map((b) => b.attrs.dst)).toEqual(['10.2.0.0'])],
      ['dumpRoutes table 1000', dumpRoutes({ family: AF_INET, table: 1000, protocol: 4, type: 1, oif: va }), (a) => expect(bodies(a, 'route').map((b) => b.attrs.dst)).toEqual(['10.3.0.0'])],
      ['dumpRoutes cloned', dumpRoutes({ family: AF_INET6, cloned: true }), () => {}],
      ['getRoute', getRoute({ dst: '10.0.0.9', lookupTable: true }), (a) => expect(bodies(a, 'route')[0]).toMatchObject({ table: 254, attrs: { dst: '10.0.0.9', oif: va } })],
      ['getRoute fib match', getRoute({ dst: '10.0.0.50', src: '10.0.0.2', mark: 0, uid: 0, ipProto: 17, sport: 1, dport: 2, fibMatch: true }), (a) => expect(bodies(a, 'route')[0]).toMatchObject({ dstLen: 24, attrs: { dst: '10.0.0.0' } })],
      ['getRoute v6', getRoute({ dst: 'fd00::9', oif: va }), (a) => expect(bodies(a, 'route')[0]).toMatchObject({ family: AF_INET6, attrs: { dst: 'fd00::9' } })],
      ['dumpNeighbors', dumpNeighbors({ family: AF_INET }), (a) => expect(bodies(a, 'neighbor').map((b) => b.attrs.dst)).toContain('10.0.0.9')],
      ['dumpNeighbors ifindex', dumpNeighbors({ ifindex: va }), (a) => expect(bodies(a, 'neighbor').every((b) => b.ifindex === va)).toBe(true)],
      ['dumpNeighbors master', dumpNeighbors({ master: br0 }), (a) => expect(bodies(a, 'neighbor').every((b) => b.ifindex !== va)).toBe(true)],
      ['dumpNeighbors proxy', dumpNeighbors({ family: AF_UNSPEC, proxy: true }), (a) => expect(bodies(a, 'neighbor').map((b) => b.attrs.dst)).toEqual(['10.0.0.77'])],
      ['getNeighbor', getNeighbor({ dst: '10.0.0.9', ifindex: va }), (a) => expect(bodies(a, 'neighbor')[0]?.attrs.lladdr).toBe('02:00:00:00:00:09')],
      ['fdb dump dev', dumpNeighbors({ family: AF_BRIDGE, ifindex: vx0 }), (a) => expect(bodies(a, 'neighbor').map((b) => b.attrs.dst)).toEqual(['192.168.56.12'])],
      ['fdb dump master', dumpNeighbors({ family: AF_BRIDGE, master: br0 }), (a) => expect(bodies(a, 'neighbor').length).toBeGreaterThan(0)],
      ['dumpNsids', dumpNsids(), (a) => expect(bodies(a, 'nsid').map((b) => b.attrs.nsid)).toEqual([7])],
      ['getNsid nsid', getNsid({ nsid: 7 }), (a) => expect(bodies(a, 'nsid').map((b) => b.attrs.nsid)).toEqual([7])],
      ['getNsid pid', getNsid({ pid: 1 }), (a) => expect(bodies(a, 'nsid').length).toBe(1)],
    ];
    const answers = ask(requests.map(([, m]) => m));
    requests.forEach(([name, , check], i) => {
      const answer = answers[i]!;
      try {
        accepted(answer);
        check(answer);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    });
  });

  it('the socket really checks strictly: the kernel refuses what the builders refuse to build', () => {
    const linkDumpWithIndex: NetlinkMessage = { ...dumpLinks(), body: { ...dumpLinks().body, index: 1 } } as NetlinkMessage;
    const routeDump = dumpRoutes({ family: AF_INET });
    const routeDumpWithScope = { ...routeDump, body: { ...routeDump.body, scope: 253 } } as NetlinkMessage;
    const neighDump = dumpNeighbors({ family: AF_INET });
    const neighDumpWithIfindex = { ...neighDump, body: { ...neighDump.body, ifindex: 1 } } as NetlinkMessage;
    const linkDumpVf: NetlinkMessage = { kind: 'link', type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0, body: { family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: { ifname: 'lo' } } } as NetlinkMessage;
    const routeGetTable = { ...getRoute({ dst: '10.0.0.9' }), type: RTM_GETROUTE } as NetlinkMessage & { kind: 'route' };
    routeGetTable.body = { ...routeGetTable.body, table: 254 };
    const answers = ask([linkDumpWithIndex, routeDumpWithScope, neighDumpWithIfindex, linkDumpVf, routeGetTable]);
    const texts = answers.map(refusal);
    expect(texts[0]).toMatch(/^-22 .*(index|device)/i);
    expect(texts[1]).toMatch(/^-22 Invalid values in header for FIB dump request/);
    expect(texts[2]).toMatch(/^-22 Invalid values in header for neighbor dump request/);
    expect(texts[3]).toMatch(/^-22 Unsupported attribute in link dump request/);
    expect(texts[4]).toMatch(/^-22 .*Invalid values in header for route get request/);
  });
});
