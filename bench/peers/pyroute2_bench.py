#!/usr/bin/python3
"""Peer worker: pyroute2 (Debian's python3-pyroute2) doing the same work as bench/tools/ours.ts.

Run inside the benchmark namespace (`ip netns exec NS /usr/bin/python3 pyroute2_bench.py TASK`);
the interpreter start-up and imports are outside the timed sections. Prints one JSON line.
"""
import json
import socket
import sys
import time

from pyroute2 import IPRoute


def ms(t0):
    return (time.perf_counter() - t0) * 1000.0


def route_address(i):
    n = (10 << 24) + (1 << 16) + i
    return '%d.%d.%d.%d' % ((n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def pair_addresses(i):
    n = (10 << 24) + (100 << 16) + 4 * i
    q = lambda x: '%d.%d.%d.%d' % ((x >> 24) & 255, (x >> 16) & 255, (x >> 8) & 255, x & 255)
    return q(n + 1), q(n + 2)


def w1(ipr, t):
    oif = ipr.link_lookup(ifname='veth0')[0]
    dsts = ['%s/32' % route_address(i) for i in range(t['n'])]
    add, dele = [], []
    for _ in range(t['reps']):
        t0 = time.perf_counter()
        for d in dsts:
            ipr.route('add', dst=d, oif=oif, scope=253)
        add.append(ms(t0))
        t0 = time.perf_counter()
        for d in dsts:
            ipr.route('del', dst=d, oif=oif, scope=253)
        dele.append(ms(t0))
    return {'add': add, 'del': dele}


def w2(ipr, t):
    dump = []
    count = 0
    for _ in range(t['reps']):
        t0 = time.perf_counter()
        routes = list(ipr.get_routes(family=socket.AF_INET, table=254))
        count = sum(1 for r in routes if r.get_attr('RTA_DST') is not None)
        dump.append(ms(t0))
    return {'dump': dump, 'count': count}


def w3(ipr, t):
    out = {'create': [], 'up': [], 'addr': [], 'del': []}
    n = t['n']
    # Before each phase, as every W3 peer does (bench/w3-veth.ts).
    settle = lambda: time.sleep(t.get('settleMs', 0) / 1000)
    for _ in range(t['reps']):
        settle()
        t0 = time.perf_counter()
        for i in range(n):
            ipr.link('add', ifname='va%d' % i, kind='veth', peer='vb%d' % i)
        index = {m.get_attr('IFLA_IFNAME'): m['index'] for m in ipr.get_links()}
        out['create'].append(ms(t0))
        settle()
        t0 = time.perf_counter()
        for i in range(n):
            ipr.link('set', index=index['va%d' % i], state='up')
            ipr.link('set', index=index['vb%d' % i], state='up')
        out['up'].append(ms(t0))
        settle()
        t0 = time.perf_counter()
        for i in range(n):
            a, b = pair_addresses(i)
            ipr.addr('add', index=index['va%d' % i], address=a, prefixlen=30)
            ipr.addr('add', index=index['vb%d' % i], address=b, prefixlen=30)
        out['addr'].append(ms(t0))
        settle()
        t0 = time.perf_counter()
        for i in range(n):
            ipr.link('del', index=index['va%d' % i])
        out['del'].append(ms(t0))
    return out


def main():
    task = json.loads(sys.argv[1])
    handler = {'w1': w1, 'w2': w2, 'w3': w3}[task['w']]
    with IPRoute() as ipr:
        result = handler(ipr, task)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
