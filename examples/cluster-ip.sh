#!/usr/bin/env bash
# The same cluster as examples/cluster.ts, built the classic way with `ip` and `nft`, for the
# demo's timing comparison. Prints "build_ms=N teardown_ms=N" on its last line.
#
# It refuses to run outside the private namespace examples/run-isolated.mjs creates, so it can
# never touch this machine's own network: `npm run demo` runs it for you.
set -euo pipefail
if [[ "${NETNS_RTNL_EXAMPLE_SANDBOX:-}" != 1 ]]; then
  echo "cluster-ip.sh: run it through examples/run-isolated.mjs (npm run demo does), not directly" >&2
  exit 2
fi
P=${1:-ipsh-}
NAMES=(lan internet node1 c1 c2 node2 c3 c4)
now_ns() { date +%s%N; }
teardown() { for n in "${NAMES[@]}"; do ip netns del "$P$n" 2>/dev/null || true; done; }
trap teardown EXIT
t0=$(now_ns)

for n in "${NAMES[@]}"; do ip netns add "$P$n"; ip -n "$P$n" link set lo up; done
ip -n ${P}lan link add br-lan up type bridge
cable() { # cable <name on the lan bridge> <far namespace>
  ip -n ${P}lan link add "$1" master br-lan up type veth peer name eth0 netns "$P$2"
  ip -n "$P$2" link set eth0 up
}
cable internet internet
ip -n ${P}internet addr add 192.168.56.100/24 dev eth0
ip -n ${P}internet addr add 203.0.113.10/32 dev lo

node() { # node <name> <lan ip> <subnet prefix a.b.c> <other lan ip> <other subnet> <c> <c>
  local n=$1 lan=$2 net=$3 olan=$4 onet=$5
  cable "$n" "$n"
  ip -n "$P$n" addr add "$lan/24" dev eth0
  ip -n "$P$n" link add br0 up type bridge
  ip -n "$P$n" addr add "$net.1/24" dev br0
  local i=2
  for c in "$6" "$7"; do
    ip -n "$P$n" link add "veth-$c" master br0 up type veth peer name eth0 netns "$P$c"
    ip -n "$P$c" link set eth0 up
    ip -n "$P$c" addr add "$net.$i/24" dev eth0
    ip -n "$P$c" route add default via "$net.1"
    i=$((i + 1))
  done
  ip netns exec "$P$n" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$P$n" route add "$onet" via "$olan"
  ip -n "$P$n" route add 203.0.113.0/24 via 192.168.56.100
  ip netns exec "$P$n" nft -f - <<NFT
table ip nat { chain postrouting { type nat hook postrouting priority srcnat; ip saddr $net.0/24 ip daddr != 10.0.0.0/16 masquerade; }; }
NFT
}
node node1 192.168.56.11 10.0.0 192.168.56.12 10.0.1.0/24 c1 c2
node node2 192.168.56.12 10.0.1 192.168.56.11 10.0.0.0/24 c3 c4

t1=$(now_ns)
teardown
trap - EXIT
t2=$(now_ns)
echo "build_ms=$(( (t1 - t0) / 1000000 )) teardown_ms=$(( (t2 - t1) / 1000000 ))"
