//! Peer worker: Rust with the rtnetlink crate (Debian's librust-rtnetlink-dev), doing the work of
//! bench/tools/ours.ts and bench/peers/go-netlink for W1 and W3. Built by the benchmark run
//! (bench/rust-peer.ts), never committed as a binary. Each phase is timed inside this process
//! around the work only and the timings are printed as one JSON line.
//!
//!     rust-rtnetlink '{"w":"w1","netns":"bw1","n":10000,"reps":2,"window":64}'

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::io::AsRawFd;
use std::process::exit;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt, TryStreamExt};
use rtnetlink::packet::constants::{AF_INET, RTN_UNICAST, RTPROT_STATIC, RT_SCOPE_LINK, RT_TABLE_MAIN};
use rtnetlink::packet::nlas::link::Nla as LinkNla;
use rtnetlink::packet::nlas::route::Nla as RouteNla;
use rtnetlink::packet::{LinkMessage, NetlinkMessage, NetlinkPayload, RouteMessage, RtnlMessage, NLM_F_ACK, NLM_F_REQUEST};
use rtnetlink::Handle;

struct Task {
    w: String,
    netns: String,
    n: u32,
    reps: u32,
    /// Requests in flight at once in the concurrent W1 run.
    window: usize,
    /// W3: the pause before each phase (bench/w3-veth.ts).
    settle_ms: u32,
}

fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    eprintln!("rust-rtnetlink: {}: {}", what, err);
    exit(1)
}

/// The value of `"key":` in a flat JSON object of strings and numbers (the task bench/ sends).
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let at = json.find(&format!("\"{}\"", key))? + key.len() + 2;
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        return s.find('"').map(|end| &s[..end]);
    }
    let end = rest.find(|c: char| c == ',' || c == '}').unwrap_or(rest.len());
    Some(rest[..end].trim())
}

fn parse_task(json: &str) -> Task {
    let text = |k: &str| field(json, k).unwrap_or("").to_string();
    let num = |k: &str, default: u32| field(json, k).map_or(default, |v| v.parse().unwrap_or_else(|e| fail(k, e)));
    Task { w: text("w"), netns: text("netns"), n: num("n", 0), reps: num("reps", 1), window: num("window", 64) as usize, settle_ms: num("settleMs", 0) }
}

fn ms(t0: Instant) -> f64 {
    t0.elapsed().as_nanos() as f64 / 1e6
}

fn json_list(name: &str, xs: &[f64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| format!("{:.4}", x)).collect();
    format!("\"{}\":[{}]", name, items.join(","))
}

/// Same numbering as bench/common.ts: routeAddress and pairAddresses.
fn route_address(i: u32) -> Ipv4Addr {
    Ipv4Addr::from((10u32 << 24) + (1 << 16) + i)
}

fn pair_addresses(i: u32) -> (Ipv4Addr, Ipv4Addr) {
    let n = (10u32 << 24) + (100 << 16) + 4 * i;
    (Ipv4Addr::from(n + 1), Ipv4Addr::from(n + 2))
}

/// Moves this thread (the only one: a current-thread runtime) into the named namespace, so the
/// netlink socket opened next belongs to it.
fn enter_netns(name: &str) {
    let file = File::open(format!("/run/netns/{}", name)).unwrap_or_else(|e| fail(name, e));
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        fail("setns", std::io::Error::last_os_error());
    }
}

async fn link_index(handle: &Handle, name: &str) -> u32 {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    match links.try_next().await {
        Ok(Some(link)) => link.header.index,
        Ok(None) => fail(name, "no such link"),
        Err(e) => fail(name, e),
    }
}

/// The RTM_DELROUTE body for route i (what the add sends, as the kernel matches it).
fn route_message(i: u32, dev: u32) -> RouteMessage {
    let mut m = RouteMessage::default();
    m.header.address_family = AF_INET as u8;
    m.header.destination_prefix_length = 32;
    m.header.table = RT_TABLE_MAIN;
    m.header.protocol = RTPROT_STATIC;
    m.header.scope = RT_SCOPE_LINK;
    m.header.kind = RTN_UNICAST;
    m.nlas.push(RouteNla::Destination(route_address(i).octets().to_vec()));
    m.nlas.push(RouteNla::Oif(dev));
    m
}

async fn add_route(handle: &Handle, i: u32, dev: u32) {
    let request = handle.route().add().v4().destination_prefix(route_address(i), 32).output_interface(dev).scope(RT_SCOPE_LINK);
    if let Err(e) = request.execute().await {
        fail("route add", e);
    }
}

async fn del_route(handle: &Handle, i: u32, dev: u32) {
    if let Err(e) = handle.route().del(route_message(i, dev)).execute().await {
        fail("route del", e);
    }
}

/// W1: one at a time (await each ACK), then `window` requests in flight at once.
async fn w1(t: &Task, handle: Handle) -> String {
    let dev = link_index(&handle, "veth0").await;
    let (mut add, mut del, mut add_c, mut del_c) = (vec![], vec![], vec![], vec![]);
    for _ in 0..t.reps {
        let t0 = Instant::now();
        for i in 0..t.n {
            add_route(&handle, i, dev).await;
        }
        add.push(ms(t0));
        let t0 = Instant::now();
        for i in 0..t.n {
            del_route(&handle, i, dev).await;
        }
        del.push(ms(t0));

        let t0 = Instant::now();
        stream::iter(0..t.n).for_each_concurrent(t.window, |i| add_route(&handle, i, dev)).await;
        add_c.push(ms(t0));
        let t0 = Instant::now();
        stream::iter(0..t.n).for_each_concurrent(t.window, |i| del_route(&handle, i, dev)).await;
        del_c.push(ms(t0));
    }
    [json_list("add", &add), json_list("del", &del), json_list("addConcurrent", &add_c), json_list("delConcurrent", &del_c)].join(",")
}

async fn veth_names_left(handle: &Handle) -> usize {
    let links: Vec<_> = handle.link().get().execute().try_collect().await.unwrap_or_else(|e| fail("link dump", e));
    links
        .iter()
        .filter(|l| l.nlas.iter().any(|nla| matches!(nla, LinkNla::IfName(name) if name.starts_with("va") || name.starts_with("vb"))))
        .count()
}

/// RTM_DELLINK through Handle::request: the crate's LinkDelRequest (0.10) sets NLM_F_EXCL, which
/// on a delete means NLM_F_BULK since Linux 5.19, and the kernel refuses it with EOPNOTSUPP.
async fn del_link(handle: &Handle, index: u32) {
    let mut body = LinkMessage::default();
    body.header.index = index;
    let mut req = NetlinkMessage::from(RtnlMessage::DelLink(body));
    req.header.flags = NLM_F_REQUEST | NLM_F_ACK;
    let mut answers = handle.clone().request(req).unwrap_or_else(|e| fail("link del", e));
    while let Some(answer) = answers.next().await {
        if let NetlinkPayload::Error(e) = answer.payload {
            fail("link del", e);
        }
    }
}

/// W3: pairs va<i>/vb<i> one call after another: create (and learn both indexes, as Go does),
/// both ends up, a /30 on each end, delete pair by pair.
/// Before each W3 phase, as every W3 peer does: nothing is in flight, so blocking the one thread is fine.
fn settle(t: &Task) {
    std::thread::sleep(Duration::from_millis(t.settle_ms as u64));
}

async fn w3(t: &Task, handle: Handle) -> String {
    let (mut create, mut up, mut addr, mut del) = (vec![], vec![], vec![], vec![]);
    for _ in 0..t.reps {
        let mut ends: Vec<(u32, u32)> = Vec::with_capacity(t.n as usize);
        settle(t);
        let t0 = Instant::now();
        for i in 0..t.n {
            let (a, b) = (format!("va{}", i), format!("vb{}", i));
            if let Err(e) = handle.link().add().veth(a.clone(), b.clone()).execute().await {
                fail("veth add", e);
            }
            ends.push((link_index(&handle, &a).await, link_index(&handle, &b).await));
        }
        create.push(ms(t0));
        settle(t);
        let t0 = Instant::now();
        for &(a, b) in &ends {
            for index in [a, b] {
                if let Err(e) = handle.link().set(index).up().execute().await {
                    fail("link up", e);
                }
            }
        }
        up.push(ms(t0));
        settle(t);
        let t0 = Instant::now();
        for (i, &(a, b)) in ends.iter().enumerate() {
            let (x, y) = pair_addresses(i as u32);
            for (index, ip) in [(a, x), (b, y)] {
                if let Err(e) = handle.address().add(index, IpAddr::V4(ip), 30).execute().await {
                    fail("address add", e);
                }
            }
        }
        addr.push(ms(t0));
        settle(t);
        let t0 = Instant::now();
        for &(a, _) in &ends {
            del_link(&handle, a).await;
        }
        del.push(ms(t0));
        let left = veth_names_left(&handle).await;
        if left != 0 {
            fail("w3", format!("{} veth ends left after delete", left));
        }
    }
    [json_list("create", &create), json_list("up", &up), json_list("addr", &addr), json_list("del", &del)].join(",")
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| fail("usage", "rust-rtnetlink TASK-JSON"));
    let task = parse_task(&arg);
    enter_netns(&task.netns);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap_or_else(|e| fail("runtime", e));
    let out = runtime.block_on(async {
        let (connection, handle, _) = rtnetlink::new_connection().unwrap_or_else(|e| fail("netlink socket", e));
        tokio::spawn(connection);
        match task.w.as_str() {
            "w1" => w1(&task, handle).await,
            "w3" => w3(&task, handle).await,
            other => fail("task", format!("unknown task {:?}", other)),
        }
    });
    println!("{{{}}}", out);
}
