#!/usr/bin/python3
"""W3 up and addr: the kernel's cost by request shape, and what a pause between the phases changes
(bench/results/w3-2026-12-03-d.md).

Runs in the network namespace it is started in, which must be a fresh private one:
`unshare --net python3 bench/tools/up-shapes.py SHAPE SETTLE_MS N`. Creates N veth pairs
va<i>/vb<i> (untimed, then waits 1 s for the creations' follow-up work), brings the 2N ends up one
request at a time (timed), waits SETTLE_MS, adds a /30 to each end one request at a time (timed).
SHAPE, for both phases: ack (NLM_F_ACK, then the ACK read: Go's and the floor's requests), go (ack,
and a getsockname per request as vishvananda/netlink's Execute makes), noack (no NLM_F_ACK, then a
non-blocking read that finds nothing: this library's lone change). Prints one JSON line per phase:
wall time, the thread's CPU time and its time waiting for a CPU (/proc/thread-self/schedstat), the
rest (asleep in the kernel: RTNL among others), voluntary and involuntary context switches. Then deletes the pairs, untimed.
"""
import errno, json, resource, socket, struct, sys, time

RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR = 16, 17, 20
F_REQ, F_ACK, F_EXCL, F_CREATE = 1, 4, 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO, IFLA_GROUP = 3, 18, 27
INFO_KIND, INFO_DATA, VETH_PEER = 1, 2, 1
IFA_ADDRESS, IFA_LOCAL = 1, 2
IFF_UP, AF_INET = 1, 2

def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack('<HH', n, t) + payload + b'\0' * ((4 - n % 4) % 4)

def ifinfo(index=0, flags=0, change=0):
    return struct.pack('<BBHiII', 0, 0, 0, index, flags, change)

def frame(t, flags, seq, body):
    return struct.pack('<IHHII', 16 + len(body), t, flags, seq, 0) + body

def wait_ack(s, seq):
    while True:
        data = s.recv(65536)
        ln, t, fl, sq, _ = struct.unpack_from('<IHHII', data, 0)
        if sq == seq and t == 2:
            err = struct.unpack_from('<i', data, 16)[0]
            if err: raise OSError(-err, f'request {seq}')
            return

def request(s, shape, seq, req):
    s.send(req)
    if shape == 'noack':
        try:
            data = s.recv(65536, socket.MSG_DONTWAIT)
            raise OSError(-struct.unpack_from('<i', data, 16)[0], f'request {seq}')
        except BlockingIOError:
            return
    if shape == 'go': s.getsockname()
    wait_ack(s, seq)

def schedstat():
    with open('/proc/thread-self/schedstat') as f:
        run, wait, _ = f.read().split()
    return int(run), int(wait)

def phase(s, shape, frames):
    r0 = resource.getrusage(resource.RUSAGE_SELF); c0 = schedstat(); t0 = time.perf_counter_ns()
    for seq, req in frames: request(s, shape, seq, req)
    t1 = time.perf_counter_ns(); c1 = schedstat(); r1 = resource.getrusage(resource.RUSAGE_SELF)
    wall, cpu, runq = t1 - t0, c1[0] - c0[0], c1[1] - c0[1]
    return {'wall_ms': wall / 1e6, 'cpu_ms': cpu / 1e6, 'runq_ms': runq / 1e6, 'asleep_ms': (wall - cpu - runq) / 1e6,
            'vcsw': r1.ru_nvcsw - r0.ru_nvcsw, 'ivcsw': r1.ru_nivcsw - r0.ru_nivcsw}

def main():
    shape, settle, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, 0))
    seq = 0
    a = lambda i: 1000 + 2 * i
    b = lambda i: 1001 + 2 * i
    for i in range(n):  # untimed: plain creation, ends in group 7 for the clean-up, indexes chosen
        seq += 1
        peer = ifinfo(b(i)) + attr(IFLA_IFNAME, f'vb{i}'.encode() + b'\0')
        info = attr(INFO_KIND, b'veth') + attr(INFO_DATA, attr(VETH_PEER, peer))
        body = ifinfo(a(i)) + attr(IFLA_IFNAME, f'va{i}'.encode() + b'\0') + attr(IFLA_GROUP, struct.pack('<I', 7)) + attr(IFLA_LINKINFO, info)
        s.send(frame(RTM_NEWLINK, F_REQ | F_ACK | F_CREATE | F_EXCL, seq, body)); wait_ack(s, seq)
    time.sleep(1)
    flags = F_REQ | (0 if shape == 'noack' else F_ACK)
    ups, addrs = [], []
    for i in range(n):
        for index in (a(i), b(i)):
            seq += 1; ups.append((seq, frame(RTM_NEWLINK, flags, seq, ifinfo(index, IFF_UP, IFF_UP))))
        base = (10 << 24) + (100 << 16) + 4 * i
        for index, host in ((a(i), base + 1), (b(i), base + 2)):
            ip = struct.pack('>I', host)
            seq += 1
            body = struct.pack('<BBBBi', AF_INET, 30, 0, 0, index) + attr(IFA_LOCAL, ip) + attr(IFA_ADDRESS, ip)
            addrs.append((seq, frame(RTM_NEWADDR, flags | F_CREATE | F_EXCL, seq, body)))
    up = phase(s, shape, ups)
    time.sleep(settle / 1000)
    addr = phase(s, shape, addrs)
    print(json.dumps({'shape': shape, 'settle_ms': settle, 'n': n, 'up': up, 'addr': addr}))
    seq += 1
    s.send(frame(RTM_DELLINK, F_REQ | F_ACK, seq, ifinfo(0) + attr(IFLA_GROUP, struct.pack('<I', 7)))); wait_ack(s, seq)

main()
