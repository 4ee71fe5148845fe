#!/usr/bin/env bash
# The same cluster as examples/cluster.ts, built the classic way with `ip`, `bridge` and `nft`
# commands, for the demo's timing comparison (issue 5: the library should build it at least 5x
# faster). Prints "build_ms=N teardown_ms=N" on its last line.
#
#   npm run demo -- --compare                   runs it 3 times, alternating with library rebuilds
#   npm run demo -- --overlay vxlan --compare   the same, for the VXLAN overlay layout
#   sudo bench/cluster-ip.sh [prefix] [routes|vxlan]
#
# It never touches this machine's own network: run directly, it re-executes itself inside a private
# network + mount namespace (unshare, util-linux) with a tmpfs on /run/netns, like
# examples/run-isolated.mjs does for the demo; inside that sandbox (NETNS_RTNL_EXAMPLE_SANDBOX=1 or
# NETNS_RTNL_SANDBOX=1) it runs as it is.
set -euo pipefail
if [[ "${NETNS_RTNL_EXAMPLE_SANDBOX:-}" != 1 && "${NETNS_RTNL_SANDBOX:-}" != 1 ]]; then
  if [[ "${CLUSTER_IP_SH_ISOLATED:-}" != 1 ]]; then
    if [[ $(id -u) != 0 ]]; then
      echo "cluster-ip.sh: needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) to create network namespaces" >&2
      exit 2
    fi
    exec env CLUSTER_IP_SH_ISOLATED=1 unshare --net --mount --propagation private -- bash "$0" "$@"
  fi
  # Inside our own private mount namespace: this tmpfs vanishes with it.
  mkdir -p /run/netns
  mount -t tmpfs -o mode=0755 tmpfs /run/netns
  ip link set lo up
fi
P=${1:-ipsh-}
MODE=${2:-routes}
case "$MODE" in routes | vxlan) ;; *) echo "cluster-ip.sh: mode must be routes or vxlan, not $MODE" >&2; exit 2 ;; esac
NAMES=(lan internet node1 c1 c2 node2 c3 c4)
now_ns() { date +%s%N; }
teardown() { for n in "${NAMES[@]}"; do ip netns del "$P$n" 2>/dev/null || true; done; }
trap teardown EXIT
teardown # what an earlier run left
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

node() { # node <name> <lan ip> <subnet prefix a.b.c> <other lan ip> <other subnet> <overlay ip> <other overlay ip> <c> <c>
  local n=$1 lan=$2 net=$3 olan=$4 onet=$5 ovl=$6 oovl=$7
  cable "$n" "$n"
  ip -n "$P$n" addr add "$lan/24" dev eth0
  ip -n "$P$n" link add br0 up type bridge
  ip -n "$P$n" addr add "$net.1/24" dev br0
  local i=2
  for c in "$8" "$9"; do
    ip -n "$P$n" link add "veth-$c" master br0 up type veth peer name eth0 netns "$P$c"
    ip -n "$P$c" link set eth0 up
    ip -n "$P$c" addr add "$net.$i/24" dev eth0
    ip -n "$P$c" route add default via "$net.1"
    i=$((i + 1))
  done
  ip netns exec "$P$n" sysctl -qw net.ipv4.ip_forward=1
  if [[ $MODE == vxlan ]]; then
    ip -n "$P$n" link add vxlan42 up type vxlan id 42 dstport 4789 local "$lan" dev eth0 nolearning
    ip -n "$P$n" addr add "$ovl/24" dev vxlan42
    bridge -n "$P$n" fdb append 00:00:00:00:00:00 dev vxlan42 dst "$olan"
    ip -n "$P$n" route add "$onet" via "$oovl" dev vxlan42
  else
    ip -n "$P$n" route add "$onet" via "$olan"
  fi
  ip -n "$P$n" route add 203.0.113.0/24 via 192.168.56.100
  ip netns exec "$P$n" nft -f - <<NFT
table ip nat { chain postrouting { type nat hook postrouting priority srcnat; ip saddr $net.0/24 ip daddr != 10.0.0.0/16 masquerade; }; }
NFT
}
node node1 192.168.56.11 10.0.0 192.168.56.12 10.0.1.0/24 172.16.42.1 172.16.42.2 c1 c2
node node2 192.168.56.12 10.0.1 192.168.56.11 10.0.0.0/24 172.16.42.2 172.16.42.1 c3 c4

t1=$(now_ns)
teardown
trap - EXIT
t2=$(now_ns)
echo "build_ms=$(( (t1 - t0) / 1000000 )) teardown_ms=$(( (t2 - t1) / 1000000 ))"
