/**
 * The article's part 1, step by step, with its names and addresses: a namespace "containerns",
 * a veth pair veth0 (inside, 10.0.0.2/24) / veth1 (outside), a host route to the container and a
 * default route out of it, then an HTTP server inside fetched from outside.
 *
 * "Outside" is not this machine: it is a namespace "vm" standing for the article's VirtualBox VM,
 * so nothing here touches the machine's own network. The VM's own address (its enp0s3 in the
 * article) is 10.0.2.15, put on the VM's lo since this VM has no NIC.
 *
 *   npm run example:part1
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Namespace, VethPair } from '../lib/index.js';
import { deleteAll, isEntryPoint, removeLeftovers, runAsProgram, type ExampleOptions } from './common/run.js';
import { formatAddresses, formatRoutes, indent, ms } from './common/show.js';

export const CONTAINER_IP = '10.0.0.2';
export const VM_IP = '10.0.2.15';
export const HTTP_PORT = 8000;

export interface Part1Result {
  ok: boolean;
  /** 'HTTP/1.0 200 OK' */
  statusLine?: string;
  body?: string;
  /** The server program used: python3 as in the article, or node when python3 is missing. */
  server: string;
  /** The source address the HTTP server saw (from its request log). */
  clientSeen?: string;
  error?: string;
  namespaces: string[];
  timings: { buildMs: number; httpMs: number; teardownMs: number };
}

function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** A minimal HTTP/1.0 GET over a socket made inside `from` (like the article's wget). */
async function httpGet(from: Namespace, host: string, port: number, timeoutMs: number): Promise<string> {
  const socket = await from.connect({ host, port, timeoutMs });
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no complete HTTP answer within ${timeoutMs} ms`)), timeoutMs);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.once('end', () => {
        clearTimeout(timer);
        resolve(text);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.write(`GET / HTTP/1.0\r\nHost: ${host}:${port}\r\nUser-Agent: netns-rtnl-example\r\n\r\n`);
    });
  } finally {
    socket.destroy();
  }
}

/** Tries to connect every 50 ms until the server inside answers (at most `timeoutMs`). */
async function waitForServer(from: Namespace, host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the HTTP server exited (${child.exitCode ?? child.signalCode}) before it answered`);
    try {
      (await from.connect({ host, port, timeoutMs: 500 })).destroy();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the HTTP server did not answer on ${host}:${port} within ${timeoutMs} ms (${(error as { code?: string }).code ?? String(error)})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

export async function main(options: ExampleOptions = {}): Promise<Part1Result> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? '';
  const names = { container: `${prefix}containerns`, vm: `${prefix}vm` };
  const created: Namespace[] = [];
  const result: Part1Result = { ok: false, server: '', namespaces: [names.vm, names.container], timings: { buildMs: 0, httpMs: 0, teardownMs: 0 } };
  let server: ChildProcess | undefined;
  let webroot: string | undefined;

  const removed = await removeLeftovers([names.container, names.vm]);
  if (removed.length) log(`(removed what an earlier run left: ${removed.join(', ')})`);

  const t0 = performance.now();
  try {
    log('# The article, part 1: one container, one veth pair');
    log(`\n$ ip netns add ${names.container}            # and a namespace "${names.vm}" standing for the VM`);
    const vm = await Namespace.create(names.vm);
    created.push(vm);
    const con = await Namespace.create(names.container);
    created.push(con);
    // The VM's own address (enp0s3 in the article), so the VM has a source address to talk from.
    await (await vm.link('lo')).up();
    await vm.addAddress('lo', `${VM_IP}/32`);

    log(`$ ip link add veth0 type veth peer name veth1; ip link set veth0 netns ${names.container}`);
    const pair = await VethPair.create({ name: 'veth1', namespace: vm, peer: { name: 'veth0', namespace: con } });
    pair.close();

    log(`$ ip netns exec ${names.container} ip addr add ${CONTAINER_IP}/24 dev veth0`);
    await con.addAddress('veth0', `${CONTAINER_IP}/24`);
    log(`$ ip netns exec ${names.container} ip link set dev veth0 up; ip link set veth1 up`);
    await pair.peer.up();
    await pair.link.up();
    log(`$ ip netns exec ${names.container} ip link set lo up`);
    await (await con.link('lo')).up();
    log(`$ ip route add ${CONTAINER_IP}/32 dev veth1`);
    await vm.addRoute({ dst: `${CONTAINER_IP}/32`, dev: 'veth1' });
    log(`$ ip netns exec ${names.container} ip route add default dev veth0`);
    await con.addRoute({ dst: 'default', dev: 'veth0', family: 4 });
    result.timings.buildMs = performance.now() - t0;
    log(`\nbuilt in ${ms(t0)}`);

    log(`\n## The VM ("${names.vm}"): veth1 has no address; ${VM_IP} stands for the VM's enp0s3`);
    log(indent(await formatAddresses(vm)));
    log(`\n## Inside ${names.container}: veth0 with ${CONTAINER_IP}, and lo`);
    log(indent(await formatAddresses(con)));
    log(`\n## Routes in the VM: ${CONTAINER_IP} goes to veth1`);
    log(indent(await formatRoutes(vm)));
    log(`\n## Routes in ${names.container}: everything else leaves through veth0`);
    log(indent(await formatRoutes(con)));

    // The article: ip netns exec $CON python3 -m http.server &  then  wget 10.0.0.2:8000
    const t1 = performance.now();
    webroot = mkdtempSync(join(tmpdir(), 'netns-rtnl-part1-'));
    writeFileSync(join(webroot, 'index.html'), `<h1>Hello from ${names.container}</h1>\n`);
    const python = findProgram('python3');
    let serverLog = '';
    if (python) {
      result.server = 'python3 -m http.server';
      log(`\n$ ip netns exec ${names.container} python3 -m http.server ${HTTP_PORT} &     # ns.spawn('python3', [...])`);
      // As in the article: no --bind. (With --bind 10.0.0.2 python looks up that address's name
      // in DNS, which from inside the container goes nowhere and costs a 5 s timeout.)
      server = con.spawn('python3', ['-m', 'http.server', String(HTTP_PORT)], {
        cwd: webroot,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
    } else {
      result.server = 'node http';
      log(`\n(python3 is not installed: a small node HTTP server stands in for it)`);
      const script = `const http=require('http'),fs=require('fs');http.createServer((q,s)=>{console.error(q.socket.remoteAddress+' - - "'+q.method+' '+q.url+'" 200');s.end(fs.readFileSync(process.argv[1]+'/index.html'))}).listen(${HTTP_PORT},'${CONTAINER_IP}')`;
      server = con.spawn(process.execPath, ['-e', script, webroot], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    server.stderr?.setEncoding('utf8');
    server.stderr?.on('data', (chunk: string) => (serverLog += chunk));
    const spawnError = new Promise<never>((_, reject) => server!.once('error', reject));
    spawnError.catch(() => undefined);
    await Promise.race([waitForServer(vm, CONTAINER_IP, HTTP_PORT, server, 10_000), spawnError]);

    log(`$ wget ${CONTAINER_IP}:${HTTP_PORT}          # from the VM: ns.connect + GET`);
    const response = await httpGet(vm, CONTAINER_IP, HTTP_PORT, 5000);
    result.timings.httpMs = performance.now() - t1;
    const [head = '', body = ''] = response.split('\r\n\r\n');
    result.statusLine = head.split('\r\n')[0];
    result.body = body.trim();
    log(indent(`${result.statusLine}\n${result.body}`));
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the request log line arrive
    const logLine = serverLog.split('\n').find((line) => line.includes('"GET / HTTP/1.0"'));
    result.clientSeen = logLine?.split(' ')[0]?.replace(/^::ffff:/, '');
    if (logLine) log(`\nthe server's log, inside ${names.container}:\n${indent(logLine.trim())}`);
    result.ok = result.statusLine?.includes(' 200 ') === true && result.body.includes(`Hello from ${names.container}`);
    log(`\n${result.ok ? '✓' : '✗'} the VM reached the HTTP server in the container (${result.server}), which saw the VM as ${result.clientSeen ?? '?'}`);
  } catch (error) {
    result.error = (error as Error).message;
    log(`\n✗ ${result.error}`);
    if (created.length === 0) throw error; // could not even make a namespace: no privileges?
  } finally {
    const t2 = performance.now();
    if (server) await stopProcess(server);
    const errors = await deleteAll(created);
    if (webroot) rmSync(webroot, { recursive: true, force: true });
    result.timings.teardownMs = performance.now() - t2;
    log(`\ntorn down in ${ms(t2)}: server stopped, namespaces ${result.namespaces.join(', ')} deleted${errors.length ? ` (errors: ${errors.map((e) => e.message).join('; ')})` : ''}`);
    if (errors.length) result.ok = false;
  }
  return result;
}

export const USAGE =
  'usage: npm run example:part1\n' +
  '  the article\'s part 1: a namespace containerns, a veth pair, addresses, routes, and an HTTP server inside fetched from "the VM"; no flags.\n' +
  '  It runs in a private network namespace that vanishes when it exits: nothing is left behind.';

if (isEntryPoint(import.meta.url)) runAsProgram(() => main(), USAGE);
