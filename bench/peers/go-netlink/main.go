// Peer worker: Go with github.com/vishvananda/netlink (Debian's golang-github-vishvananda-netlink-dev),
// doing the same work as bench/tools/ours.ts. Built by the benchmark run itself in GOPATH mode
// (GO111MODULE=off GOPATH=/usr/share/gocode), never committed as a binary. Each task is timed
// inside this process around the work only, and printed as one JSON line.
//
//	go-netlink '{"w":"w1","netns":"bw1","n":10000,"reps":5}'
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

type task struct {
	W        string `json:"w"`
	Netns    string `json:"netns"`
	N        int    `json:"n"`
	Reps     int    `json:"reps"`
	Prefix   string `json:"prefix"`
	SettleMs int    `json:"settleMs"`
	OneQueue bool   `json:"oneQueue"`
}

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-netlink: %s: %v\n", what, err)
		os.Exit(1)
	}
}

func ms(t0 time.Time) float64 { return float64(time.Since(t0).Nanoseconds()) / 1e6 }

func nsPath(name string) string { return filepath.Join("/run/netns", name) }

func handleIn(name string) *netlink.Handle {
	ns, err := netns.GetFromPath(nsPath(name))
	must(err, "open namespace "+name)
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	must(err, "netlink socket in "+name)
	return h
}

// Same numbering as bench/common.ts: routeAddress and pairAddresses.
func ip4(n uint32) net.IP { return net.IPv4(byte(n>>24), byte(n>>16), byte(n>>8), byte(n)).To4() }

func routeAddress(i int) net.IP { return ip4(10<<24 + 1<<16 + uint32(i)) }

func pairAddresses(i int) (*net.IPNet, *net.IPNet) {
	n := uint32(10<<24 + 100<<16 + 4*i)
	mask := net.CIDRMask(30, 32)
	return &net.IPNet{IP: ip4(n + 1), Mask: mask}, &net.IPNet{IP: ip4(n + 2), Mask: mask}
}

func w1(t task) interface{} {
	h := handleIn(t.Netns)
	defer h.Delete()
	dev, err := h.LinkByName("veth0")
	must(err, "veth0")
	routes := make([]netlink.Route, t.N)
	for i := range routes {
		routes[i] = netlink.Route{LinkIndex: dev.Attrs().Index, Scope: netlink.SCOPE_LINK, Dst: &net.IPNet{IP: routeAddress(i), Mask: net.CIDRMask(32, 32)}}
	}
	add, del := []float64{}, []float64{}
	for r := 0; r < t.Reps; r++ {
		t0 := time.Now()
		for i := range routes {
			must(h.RouteAdd(&routes[i]), "RouteAdd")
		}
		add = append(add, ms(t0))
		t0 = time.Now()
		for i := range routes {
			must(h.RouteDel(&routes[i]), "RouteDel")
		}
		del = append(del, ms(t0))
	}
	return map[string][]float64{"add": add, "del": del}
}

// W2: the main table's IPv4 routes as Route values (ours: ns.routes({ family: 4, table: 'main' })).
func w2(t task) interface{} {
	h := handleIn(t.Netns)
	defer h.Delete()
	const tableMain = 254
	dump := []float64{}
	count := 0
	for r := 0; r < t.Reps; r++ {
		t0 := time.Now()
		routes, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: tableMain}, netlink.RT_FILTER_TABLE)
		must(err, "RouteListFiltered")
		dump = append(dump, ms(t0))
		count = len(routes)
	}
	return map[string]interface{}{"dump": dump, "count": count}
}

// Before each W3 phase, as every W3 peer does (bench/w3-veth.ts).
func settle(t task) { time.Sleep(time.Duration(t.SettleMs) * time.Millisecond) }

func w3(t task) interface{} {
	h := handleIn(t.Netns)
	defer h.Delete()
	out := map[string][]float64{"create": {}, "up": {}, "addr": {}, "del": {}, "oneQueue": {}}
	for r := 0; r < t.Reps; r++ {
		va := make([]netlink.Link, t.N)
		vb := make([]netlink.Link, t.N)
		// Like ours, both ends are known (with their index) once the create phase ends.
		settle(t)
		t0 := time.Now()
		for i := 0; i < t.N; i++ {
			v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("va%d", i)}, PeerName: fmt.Sprintf("vb%d", i)}
			must(h.LinkAdd(v), "LinkAdd veth")
			peer, err := h.LinkByName(v.PeerName)
			must(err, "LinkByName peer")
			va[i], vb[i] = v, peer
		}
		out["create"] = append(out["create"], ms(t0))
		settle(t)
		t0 = time.Now()
		for i := 0; i < t.N; i++ {
			must(h.LinkSetUp(va[i]), "LinkSetUp")
			must(h.LinkSetUp(vb[i]), "LinkSetUp")
		}
		out["up"] = append(out["up"], ms(t0))
		settle(t)
		t0 = time.Now()
		for i := 0; i < t.N; i++ {
			a, b := pairAddresses(i)
			must(h.AddrAdd(va[i], &netlink.Addr{IPNet: a}), "AddrAdd")
			must(h.AddrAdd(vb[i], &netlink.Addr{IPNet: b}), "AddrAdd")
		}
		out["addr"] = append(out["addr"], ms(t0))
		settle(t)
		t0 = time.Now()
		for i := 0; i < t.N; i++ {
			must(h.LinkDel(va[i]), "LinkDel")
		}
		out["del"] = append(out["del"], ms(t0))
		if t.OneQueue {
			out["oneQueue"] = append(out["oneQueue"], createOneQueue(t, h))
		}
		links, err := h.LinkList()
		must(err, "LinkList")
		for _, l := range links {
			if name := l.Attrs().Name; l.Type() == "veth" && (strings.HasPrefix(name, "va") || strings.HasPrefix(name, "vb")) {
				must(fmt.Errorf("%s left after delete", l.Attrs().Name), "w3")
			}
		}
	}
	return out
}

// W3's extra phase (bench/w3-veth.ts, oneQueue): the pairs again with one transmit and one receive
// queue (LinkAttrs.NumTxQueues/NumRxQueues, which the library writes on both ends), each peer read
// back as in the create phase; timed, then deleted by their group with ip, untimed.
func createOneQueue(t task, h *netlink.Handle) float64 {
	const group = 77
	settle(t)
	t0 := time.Now()
	for i := 0; i < t.N; i++ {
		v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("va%d", i), Group: group, NumTxQueues: 1, NumRxQueues: 1}, PeerName: fmt.Sprintf("vb%d", i)}
		must(h.LinkAdd(v), "LinkAdd veth, one queue")
		_, err := h.LinkByName(v.PeerName)
		must(err, "LinkByName peer")
	}
	took := ms(t0)
	out, err := exec.Command("ip", "-n", t.Netns, "link", "delete", "group", fmt.Sprint(group)).CombinedOutput()
	must(err, "ip link delete group: "+string(out))
	return took
}

// The cluster of bench/cluster.ts, built the way a Go program would: one call after another.
type cluster struct {
	names   []string
	handles []*netlink.Handle
	fds     []netns.NsHandle
}

var subnets = [2]string{"10.0.0", "10.0.1"}
var lan = [2]string{"192.168.56.11", "192.168.56.12"}

func cidr(s string) *net.IPNet {
	ip, n, err := net.ParseCIDR(s)
	must(err, s)
	n.IP = ip
	return n
}

func upByName(h *netlink.Handle, name string) netlink.Link {
	l, err := h.LinkByName(name)
	must(err, "LinkByName "+name)
	must(h.LinkSetUp(l), "LinkSetUp "+name)
	return l
}

func buildCluster(prefix string, home netns.NsHandle) *cluster {
	c := &cluster{}
	for _, n := range []string{"node1", "node2", "c1", "c2", "c3", "c4"} {
		name := prefix + n
		ns, err := netns.NewNamed(name)
		must(err, "NewNamed "+name)
		must(netns.Set(home), "back home")
		h, err := netlink.NewHandleAt(ns)
		must(err, "handle in "+name)
		c.names, c.handles, c.fds = append(c.names, name), append(c.handles, h), append(c.fds, ns)
	}
	for _, h := range c.handles {
		upByName(h, "lo")
	}
	nodes, containers := c.handles[:2], c.handles[2:]
	must(nodes[0].LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lan0"}, PeerName: "lan0", PeerNamespace: netlink.NsFd(c.fds[1])}), "lan0")
	for n, h := range nodes {
		l := upByName(h, "lan0")
		must(h.AddrAdd(l, &netlink.Addr{IPNet: cidr(lan[n] + "/24")}), "lan0 address")
		must(netns.Set(c.fds[n]), "into node")
		err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0)
		must(netns.Set(home), "back home")
		must(err, "ip_forward")
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}
		must(h.LinkAdd(br), "br0")
		must(h.LinkSetUp(br), "br0 up")
		must(h.AddrAdd(br, &netlink.Addr{IPNet: cidr(subnets[n] + ".1/24")}), "br0 address")
		for k := 0; k < 2; k++ {
			ci := 2*n + k
			v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("veth%d", ci+1), MasterIndex: br.Index}, PeerName: "eth0", PeerNamespace: netlink.NsFd(c.fds[2+ci])}
			must(h.LinkAdd(v), "container veth")
			must(h.LinkSetUp(v), "container veth up")
			eth0 := upByName(containers[ci], "eth0")
			must(containers[ci].AddrAdd(eth0, &netlink.Addr{IPNet: cidr(fmt.Sprintf("%s.%d/24", subnets[n], 11+ci))}), "eth0 address")
			must(containers[ci].RouteAdd(&netlink.Route{Gw: net.ParseIP(subnets[n] + ".1")}), "default route")
		}
	}
	must(nodes[0].RouteAdd(&netlink.Route{Dst: cidr(subnets[1] + ".0/24"), Gw: net.ParseIP(lan[1])}), "route to node2")
	must(nodes[1].RouteAdd(&netlink.Route{Dst: cidr(subnets[0] + ".0/24"), Gw: net.ParseIP(lan[0])}), "route to node1")
	return c
}

func (c *cluster) teardown() {
	for i, h := range c.handles {
		h.Delete()
		c.fds[i].Close()
		must(netns.DeleteNamed(c.names[i]), "DeleteNamed")
	}
}

func w4(t task) interface{} {
	home, err := netns.Get()
	must(err, "own namespace")
	build, teardown := []float64{}, []float64{}
	for r := 0; r < t.Reps; r++ {
		// Not while the kernel still frees what the previous teardown deleted (as ours does).
		time.Sleep(time.Duration(t.SettleMs) * time.Millisecond)
		t0 := time.Now()
		c := buildCluster(fmt.Sprintf("%s%d", t.Prefix, r), home)
		build = append(build, ms(t0))
		for _, h := range c.handles[2:] {
			routes, err := h.RouteList(nil, netlink.FAMILY_V4)
			must(err, "RouteList")
			found := false
			for _, rt := range routes {
				found = found || rt.Dst == nil
			}
			if !found {
				must(fmt.Errorf("no default route"), "w4")
			}
		}
		t0 = time.Now()
		c.teardown()
		teardown = append(teardown, ms(t0))
	}
	return map[string][]float64{"build": build, "teardown": teardown}
}

func main() {
	// Namespace switches apply to one OS thread: keep this goroutine on it.
	runtime.LockOSThread()
	if len(os.Args) < 2 {
		must(fmt.Errorf("usage: go-netlink TASK-JSON"), "arguments")
	}
	var t task
	must(json.Unmarshal([]byte(os.Args[1]), &t), "task")
	var result interface{}
	switch t.W {
	case "w1":
		result = w1(t)
	case "w2":
		result = w2(t)
	case "w3":
		result = w3(t)
	case "w4":
		result = w4(t)
	default:
		must(fmt.Errorf("unknown task %q", t.W), "task")
	}
	out, err := json.Marshal(result)
	must(err, "result")
	fmt.Println(string(out))
}
