#!/usr/bin/python3
"""W3 create's kernel cost by request shape (bench/results/w3-create-2026-12-03-c.md).

Creates N veth pairs va<i>/vb<i> one request at a time in the network namespace it runs in, which
must be a fresh private one: `unshare --net python3 bench/tools/veth-shapes.py SHAPE[:LOOKUPS] N`.
SHAPE joins with '-': echo (NLM_F_ECHO, as VethPair.create sends), txq0 (IFLA_TXQLEN 0 on both
ends, as Go's LinkAdd of a LinkAttrs literal sends), index (ifindexes chosen and a NUL after
"veth", as the bench's floor sends), q1 (IFLA_NUM_TX/RX_QUEUES 1 on both ends), plain (none).
LOOKUPS: go (RTM_GETLINK of both ends with RTEXT_FILTER_VF and an ACK, as Go's LinkAdd and
LinkByName do), ours (the peer's RTM_GETLINK with RTEXT_FILTER_SKIP_STATS), none. Prints one JSON
line: the phase's wall time, the process's system and user CPU and voluntary context switches
(each RCU grace period the kernel waits for in the request is one). Then deletes the pairs, untimed.
"""
import json, resource, socket, struct, sys, time

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
F_REQ, F_ACK, F_ECHO, F_EXCL, F_CREATE = 1, 4, 8, 0x200, 0x400
IFLA_IFNAME, IFLA_TXQLEN, IFLA_LINKINFO, IFLA_EXT_MASK = 3, 13, 18, 29
IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES = 31, 32
INFO_KIND, INFO_DATA, VETH_PEER = 1, 2, 1

def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack('<HH', n, t) + payload + b'\0' * ((4 - n % 4) % 4)

def ifinfo(index=0):
    return struct.pack('<BBHiII', 0, 0, 0, index, 0, 0)

u32 = lambda v: struct.pack('<I', v)

def frame(t, flags, seq, body):
    return struct.pack('<IHHII', 16 + len(body), t, flags, seq, 0) + body

def veth(shape, i, seq):
    a, b = f'va{i}'.encode(), f'vb{i}'.encode()
    flags = F_REQ | F_ACK | F_CREATE | F_EXCL
    if 'echo' in shape: flags |= F_ECHO
    extra = b''
    if 'txq0' in shape: extra += attr(IFLA_TXQLEN, u32(0))
    if 'q1' in shape: extra += attr(IFLA_NUM_TX_QUEUES, u32(1)) + attr(IFLA_NUM_RX_QUEUES, u32(1))
    ia, ib = (1000 + 2 * i, 1001 + 2 * i) if 'index' in shape else (0, 0)
    kind = b'veth\0' if 'index' in shape else b'veth'
    peer = ifinfo(ib) + attr(IFLA_IFNAME, b + b'\0') + extra
    info = attr(INFO_KIND, kind) + attr(INFO_DATA, attr(VETH_PEER, peer))
    body = ifinfo(ia) + attr(IFLA_IFNAME, a + b'\0') + extra + attr(IFLA_LINKINFO, info)
    return frame(RTM_NEWLINK, flags, seq, body)

def getlink(name, seq, mask, ack):
    body = ifinfo(0) + attr(IFLA_IFNAME, name + b'\0') + attr(IFLA_EXT_MASK, u32(mask))
    return frame(RTM_GETLINK, F_REQ | (F_ACK if ack else 0), seq, body)

def roundtrip(s, req, seq, until_ack=True):
    s.send(req)
    while True:
        data = s.recv(65536)
        off = 0
        while off < len(data):
            ln, t, fl, sq, _ = struct.unpack_from('<IHHII', data, off)
            if sq == seq:
                if t == 2:  # NLMSG_ERROR (ACK when errno 0)
                    err = struct.unpack_from('<i', data, off + 16)[0]
                    if err: raise OSError(-err, f'request {seq}')
                    return
                if not until_ack: return
            off += (ln + 3) & ~3

def main():
    shape, n = sys.argv[1], int(sys.argv[2])
    shape, _, lookups = shape.partition(':')
    lookups = lookups or 'none'
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, 0))
    seq = 0
    reqs = []
    for i in range(n):
        seq += 1
        reqs.append((seq, veth(shape, i, seq)))
    per = []
    r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter_ns()
    for i, (sq, req) in enumerate(reqs):
        a = time.perf_counter_ns()
        roundtrip(s, req, sq)
        if lookups == 'go':  # Go: LinkByName of both ends, full stats (RTEXT_FILTER_VF), each with ACK
            seq += 1; roundtrip(s, getlink(f'va{i}'.encode(), seq, 1, True), seq, False)
            seq += 1; roundtrip(s, getlink(f'vb{i}'.encode(), seq, 1, True), seq, False)
        elif lookups == 'ours':  # ours: the peer by name, RTEXT_FILTER_SKIP_STATS, no ACK
            seq += 1; roundtrip(s, getlink(f'vb{i}'.encode(), seq, 8, False), seq, False)
        per.append(time.perf_counter_ns() - a)
    t1 = time.perf_counter_ns(); r1 = resource.getrusage(resource.RUSAGE_SELF)
    # untimed clean-up: every va<i> into group 7, then one RTM_DELLINK by group (the peers go with them)
    for i in range(n):
        seq += 1
        body = ifinfo(0) + attr(IFLA_IFNAME, f'va{i}'.encode() + b'\0') + attr(27, u32(7))
        roundtrip(s, frame(RTM_NEWLINK, F_REQ | F_ACK, seq, body), seq)
    seq += 1
    roundtrip(s, frame(RTM_DELLINK, F_REQ | F_ACK, seq, ifinfo(0) + attr(27, u32(7))), seq)
    per.sort()
    print(json.dumps({'shape': shape, 'lookups': lookups, 'n': n, 'wall_ms': (t1 - t0) / 1e6,
                      'sys_ms': (r1.ru_stime - r0.ru_stime) * 1e3, 'user_ms': (r1.ru_utime - r0.ru_utime) * 1e3,
                      'vcsw': r1.ru_nvcsw - r0.ru_nvcsw, 'median_us': per[n // 2] / 1e3}))

main()
