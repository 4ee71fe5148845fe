/**
 * Worker: runs one benchmark task with this library and prints its timings as one JSON line.
 * Started by bench/run.ts (inside the benchmark's private namespace); the process start-up and
 * the module loading are outside the timed sections. The library is loaded the way a user loads
 * it, through the package's entry points ('netns-rtnl', 'netns-rtnl/cni', 'netns-rtnl/messages':
 * the bundle and its code cache), not from dist/lib's modules.
 *
 *   node dist/bench/tools/ours.js '{"w":"w1","netns":"bw1","n":10000,"reps":5,"mode":"seq"}'
 */
import type * as Library from '../../lib/index.js';
import type * as CniLibrary from '../../lib/cni/index.js';
import type { BridgeNetConf } from '../../lib/cni/index.js';
import type * as Messages from '../../messages/index.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { buildCluster } from '../cluster.js';
import { CONTAINER_GATEWAY, containerAddress, now, pairAddresses, routeAddress } from '../common.js';

// A variable specifier: TypeScript would otherwise resolve the package's own name to its build output.
const PACKAGE: string = 'netns-rtnl';
const [library, { attachContainer, detachContainer }, { AF_INET, dumpRoutes, RT_TABLE_MAIN }] = await Promise.all([
  import(PACKAGE) as Promise<typeof Library>,
  import(`${PACKAGE}/cni`) as Promise<typeof CniLibrary>,
  import(`${PACKAGE}/messages`) as Promise<typeof Messages>,
]);
const { Namespace, VethPair } = library;
type VethPair = Library.VethPair;
type Namespace = Library.Namespace;

type Task =
  | { w: 'w1'; netns: string; n: number; reps: number; mode: 'seq' | 'batch' }
  | { w: 'w2'; netns: string; reps: number }
  | { w: 'w3'; netns: string; n: number; reps: number; mode: 'seq' | 'concurrent'; settleMs: number; oneQueue?: boolean }
  | { w: 'w4'; reps: number; settleMs: number }
  | { w: 'netns'; n: number; reps: number }
  | { w: 'container'; n: number; host: string; tag: string }
  | { w: 'cni'; host: string; containers: string[]; conf: BridgeNetConf; cniPath: string };

const task = JSON.parse(process.argv[2] ?? '{}') as Task;

function check(results: Array<Error | undefined>, what: string): void {
  const bad = results.find((e) => e !== undefined);
  if (bad) throw new Error(`${what}: ${results.filter((e) => e).length} failed, first: ${bad.message}`);
}

/**
 * The time of one phase whose requests `run` makes, in a function of its own (as the floor's `one`
 * in bench/tools/floor.ts): when the loop sat in the worker's function, the bookkeeping after it (the
 * first push of a time, never run before) deoptimized that function, which V8 had compiled with the
 * library's request path inlined, and the next phase ran in baseline code until it was compiled
 * again (--trace-deopt, Node 20: the w1 function deoptimized and recompiled 5 times in 3 reps).
 */
async function timed(run: () => Promise<void>): Promise<number> {
  const t0 = now();
  await run();
  return now() - t0;
}

async function w1(t: Extract<Task, { w: 'w1' }>) {
  const ns = await Namespace.open(t.netns);
  const dev = (await ns.link('veth0')).index;
  const specs = Array.from({ length: t.n }, (_, i) => ({ dst: `${routeAddress(i)}/32`, dev }));
  const add: number[] = [];
  const del: number[] = [];
  const addAll = async () => {
    for (const spec of specs) await ns.addRoute(spec);
  };
  const deleteAll = async () => {
    for (const spec of specs) await ns.deleteRoute(spec);
  };
  for (let r = 0; r < t.reps; r++) {
    if (t.mode === 'seq') {
      add.push(await timed(addAll));
      del.push(await timed(deleteAll));
    } else {
      let t0 = now();
      check(await ns.addRoutes(specs), 'addRoutes');
      add.push(now() - t0);
      t0 = now();
      const results = await ns.deleteRoutes(specs);
      del.push(now() - t0);
      check(results, 'deleteRoutes');
    }
  }
  ns.close();
  return { add, del };
}

async function w2(t: Extract<Task, { w: 'w2' }>) {
  const ns = await Namespace.open(t.netns);
  const raw: number[] = [];
  const typed: number[] = [];
  let counts: number[] = [];
  for (let r = 0; r < t.reps; r++) {
    let t0 = now();
    const messages: NetlinkMessage[] = await ns.rtnl.connection.dump(dumpRoutes({ family: AF_INET, table: RT_TABLE_MAIN }));
    raw.push(now() - t0);
    t0 = now();
    const routes = await ns.routes({ family: 4, table: 'main' });
    typed.push(now() - t0);
    counts = [messages.length, routes.length];
  }
  ns.close();
  return { raw, typed, counts };
}

/**
 * W3's extra phase (bench/w3-veth.ts, `oneQueue`): the same pairs made again with one transmit and
 * one receive queue on each end, after the default phases of the same process (so with the create
 * path's code already run); timed, then deleted by their group untimed.
 */
async function createOneQueue(ns: Namespace, idx: number[], mode: 'seq' | 'concurrent', group: number, settle: () => Promise<unknown>): Promise<number> {
  const options = (i: number) => ({ name: `va${i}`, namespace: ns, deviceGroup: group, numTxQueues: 1, numRxQueues: 1, peer: { name: `vb${i}` } });
  await settle();
  const t0 = now();
  if (mode === 'seq') {
    for (const i of idx) await VethPair.create(options(i));
  } else {
    await Promise.all(idx.map((i) => VethPair.create(options(i))));
  }
  const time = now() - t0;
  await ns.deleteLinkGroup(group);
  return time;
}

async function w3(t: Extract<Task, { w: 'w3' }>) {
  const ns = await Namespace.open(t.netns);
  // Before each phase, as every W3 peer does (bench/w3-veth.ts): the kernel's follow-up of the last one.
  const settle = () => new Promise((resolve) => setTimeout(resolve, t.settleMs));
  const out = { create: [] as number[], up: [] as number[], addr: [] as number[], del: [] as number[], oneQueue: [] as number[] };
  const idx = Array.from({ length: t.n }, (_, i) => i);
  const GROUP = 77;
  for (let r = 0; r < t.reps; r++) {
    let pairs: VethPair[] = [];
    if (t.mode === 'seq') {
      await settle();
      let t0 = now();
      for (const i of idx) pairs.push(await VethPair.create({ name: `va${i}`, namespace: ns, peer: { name: `vb${i}` } }));
      out.create.push(now() - t0);
      await settle();
      t0 = now();
      for (const p of pairs) {
        await p.link.up();
        await p.peer.up();
      }
      out.up.push(now() - t0);
      await settle();
      t0 = now();
      for (const i of idx) {
        const [a, b] = pairAddresses(i);
        await pairs[i]!.link.addAddress(a);
        await pairs[i]!.peer.addAddress(b);
      }
      out.addr.push(now() - t0);
      await settle();
      t0 = now();
      for (const p of pairs) await p.delete();
      out.del.push(now() - t0);
    } else {
      await settle();
      let t0 = now();
      // The va ends go in one device group as they are created (IFLA_GROUP), for the group delete.
      pairs = await Promise.all(idx.map((i) => VethPair.create({ name: `va${i}`, namespace: ns, deviceGroup: GROUP, peer: { name: `vb${i}` } })));
      out.create.push(now() - t0);
      await settle();
      t0 = now();
      await Promise.all(pairs.flatMap((p) => [p.link.up(), p.peer.up()]));
      out.up.push(now() - t0);
      await settle();
      t0 = now();
      await Promise.all(
        idx.flatMap((i) => {
          const [a, b] = pairAddresses(i);
          return [pairs[i]!.link.addAddress(a), pairs[i]!.peer.addAddress(b)];
        }),
      );
      out.addr.push(now() - t0);
      // Timed: one RTM_DELLINK with IFLA_GROUP deletes the whole group (and each veth's peer).
      await settle();
      t0 = now();
      await ns.deleteLinkGroup(GROUP);
      out.del.push(now() - t0);
    }
    if (t.oneQueue) out.oneQueue.push(await createOneQueue(ns, idx, t.mode, GROUP, settle));
    const left = (await ns.links({ kind: 'veth' })).length;
    if (left !== 0) throw new Error(`w3: ${left} veth links left after delete`);
  }
  ns.close();
  return out;
}

async function w4(t: Extract<Task, { w: 'w4' }>) {
  const build: number[] = [];
  const teardown: number[] = [];
  for (let r = 0; r < t.reps; r++) {
    // Not while the kernel still frees what the previous teardown deleted (see examples/common/run.ts's settleAfterTeardown).
    await new Promise((resolve) => setTimeout(resolve, t.settleMs));
    let t0 = now();
    const cluster = await buildCluster(`o${r}`, library);
    build.push(now() - t0);
    // Sanity: every container has its default route.
    for (const ns of cluster.namespaces.slice(2)) {
      if (!(await ns.routes()).some((x) => x.dst === 'default')) throw new Error(`w4: no default route in ${ns}`);
    }
    t0 = now();
    await cluster.teardown();
    teardown.push(now() - t0);
  }
  return { build, teardown };
}

async function netns(t: Extract<Task, { w: 'netns' }>) {
  const out = { create: [] as number[], del: [] as number[], open: [] as number[], spawn: [] as number[] };
  const names = Array.from({ length: t.n }, (_, i) => `bo${i}`);
  for (let r = 0; r < t.reps; r++) {
    let t0 = now();
    const spaces: Namespace[] = [];
    for (const name of names) spaces.push(await Namespace.create(name));
    out.create.push((now() - t0) / t.n);
    for (const ns of spaces) ns.close();
    // Open a namespace by name and a netlink socket in it (first RTM_GETLINK answered).
    t0 = now();
    for (const name of names) {
      const ns = await Namespace.open(name);
      await ns.link(1);
      ns.close();
    }
    out.open.push((now() - t0) / t.n);
    // Run `true` inside (what `ip netns exec NS true` does, minus ip itself).
    t0 = now();
    for (const name of names) {
      const ns = await Namespace.open(name);
      const child = ns.spawn('true', [], { stdio: 'ignore' });
      await new Promise((resolve, reject) => child.on('exit', resolve).on('error', reject));
      ns.close();
    }
    out.spawn.push((now() - t0) / t.n);
    t0 = now();
    for (const name of names) {
      const ns = await Namespace.open(name);
      await ns.delete();
    }
    out.del.push((now() - t0) / t.n);
  }
  return out;
}

/** A container runtime's ADD: namespace, veth into it, address, up, default route. */
async function container(t: Extract<Task, { w: 'container' }>) {
  const host = await Namespace.open(t.host);
  const setup: number[] = [];
  const made: Namespace[] = [];
  for (let i = 0; i < t.n; i++) {
    const t0 = now();
    const ns = await Namespace.create(`bc${t.tag}-${i}`);
    const pair = await VethPair.create({ name: `hc${t.tag}-${i}`, namespace: host, up: true, peer: { name: 'eth0', namespace: ns, up: true } });
    await pair.peer.addAddress(containerAddress(i));
    await ns.addRoute({ dst: 'default', via: CONTAINER_GATEWAY });
    setup.push(now() - t0);
    made.push(ns);
  }
  for (const ns of made) await ns.delete();
  host.close();
  return { setup };
}

/** CNI ADD and DEL in this (warm) process: what a runtime embedding the library pays per container. */
async function cni(t: Extract<Task, { w: 'cni' }>) {
  const add: number[] = [];
  const del: number[] = [];
  const call = (netns: string, i: number) => ({ netns, host: t.host, ifname: 'eth0', containerId: `bench${i}`, cniPath: t.cniPath });
  for (const [i, netns] of t.containers.entries()) {
    const t0 = now();
    await attachContainer(t.conf, call(netns, i));
    add.push(now() - t0);
  }
  for (const [i, netns] of t.containers.entries()) {
    const t0 = now();
    await detachContainer(t.conf, call(netns, i));
    del.push(now() - t0);
  }
  return { add, del };
}

const handlers = { w1, w2, w3, w4, netns, container, cni } as Record<string, (t: never) => Promise<unknown>>;
const handler = handlers[task.w];
if (!handler) throw new Error(`unknown task ${JSON.stringify(task)}`);
const result = await handler(task as never);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
