import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { collect } from '../helpers/ip-oracle.js';
import { ConnectTimeoutError, Namespace, VethPair } from '../../lib/index.js';

const SCOPED_CHILD = fileURLToPath(new URL('../../dist/test/integration/tcp-scoped-child.js', import.meta.url));

if (integrationSkipReason !== undefined) console.log(`tcp-in-netns: ${integrationSkipReason}`);

const openFds = (): number => readdirSync('/proc/self/fd').length;

function once<T>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    emitter.once(event, resolve);
    emitter.once('error', reject);
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Reads everything until the far end closes. */
function readAll(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
}

describe.skipIf(!canRunIntegration)('TCP sockets inside a namespace (ns.connect / ns.listen)', () => {
  const tag = `tcp${process.pid}`;
  let a: Namespace;
  let b: Namespace;
  let fdsBefore = 0;

  beforeAll(async () => {
    fdsBefore = openFds();
    a = await Namespace.create(`${tag}-a`);
    b = await Namespace.create(`${tag}-b`);
    const pair = await VethPair.create({ name: 'eth0', namespace: a, up: true, peer: { name: 'eth0', namespace: b, up: true } });
    pair.close();
    await a.addAddress('eth0', '10.99.0.1/24');
    await b.addAddress('eth0', '10.99.0.2/24');
    await (await a.link('lo')).up();
    await (await b.link('lo')).up();
  });

  afterAll(async () => {
    await a?.delete();
    await b?.delete();
    // Every socket, server and namespace fd this suite opened is closed again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openFds()).toBe(fdsBefore);
  });

  it('echoes across a veth: server in A, client in B, each side sees the other namespace address', async () => {
    let seenByServer = '';
    const server = await a.listen({ host: '10.99.0.1', port: 0 }, (socket) => {
      seenByServer = socket.remoteAddress ?? '';
      socket.pipe(socket);
    });
    const { port } = server.address() as net.AddressInfo;
    expect(port).toBeGreaterThan(0);

    const client = await b.connect({ host: '10.99.0.1', port, timeoutMs: 2000 });
    expect(client.localAddress).toBe('10.99.0.2');
    expect(client.remoteAddress).toBe('10.99.0.1');
    const reply = new Promise<string>((resolve) => {
      let text = '';
      client.setEncoding('utf8');
      client.on('data', (chunk: string) => {
        text += chunk;
        if (text.length >= 11) resolve(text);
      });
    });
    client.write('hello netns');
    expect(await reply).toBe('hello netns');
    expect(seenByServer).toBe('10.99.0.2');
    client.end();
    await once(client, 'close');
    await closeServer(server);
  });

  it('a server on 0.0.0.0 in A is reachable on A loopback from A, not from the process own namespace', async () => {
    const server = await a.listen({}, (socket) => socket.end(`hi ${socket.remoteAddress}\n`));
    const { port } = server.address() as net.AddressInfo;
    const local = await a.connect({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect(await readAll(local)).toBe('hi 127.0.0.1\n');

    // The test process's own namespace has nothing on that port.
    const here = net.connect({ host: '127.0.0.1', port });
    await expect(once(here, 'connect')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    here.destroy();
    await closeServer(server);
  });

  it('fails fast: ECONNREFUSED on a closed port, ENETUNREACH without a route, ETIMEDOUT when nobody answers', async () => {
    const start = Date.now();
    await expect(b.connect({ host: '10.99.0.1', port: 9, timeoutMs: 2000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(b.connect({ host: '10.55.0.1', port: 80, timeoutMs: 2000 })).rejects.toMatchObject({ code: 'ENETUNREACH' });
    expect(Date.now() - start).toBeLessThan(1500);

    const t0 = Date.now();
    const error = await b.connect({ host: '10.99.0.77', port: 80, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(String((error as Error).message)).toContain('netns');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('refuses host names and bad ports before making a socket; bind errors come back as SystemCallError', async () => {
    const before = openFds();
    await expect(b.connect({ host: 'localhost', port: 80 })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'host' });
    await expect(b.connect({ host: '10.99.0.1', port: 0 })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'port' });
    await expect(b.listen({ port: 70000 })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'port' });
    await expect(b.connect({ host: '10.99.0.1%eth0', port: 80 })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'host' });
    // 10.99.0.1 belongs to A, not B.
    await expect(b.listen({ host: '10.99.0.1', port: 0 })).rejects.toMatchObject({ code: 'EADDRNOTAVAIL', syscall: 'bind' });
    expect(openFds()).toBe(before);
  });

  it('scoped IPv6: the zone is an interface of the target namespace, for connect and listen', async () => {
    // Link-local addresses without DAD, so they are usable at once.
    await a.addAddress('eth0', 'fe80::a/64', { noDad: true });
    await b.addAddress('eth0', 'fe80::b/64', { noDad: true });
    // The zone names an interface of A or B; libuv would look it up in the process's namespace
    // (EINVAL). Node's address() and remoteAddress do the same when they name a scoped address
    // (ENXIO from uv_if_indextoiid), so this test uses a fixed port and says who answered itself.
    const port = 8123;
    const server = await a.listen({ host: 'fe80::a%eth0', port }, (socket) => socket.end('from A\n'));
    try {
      const client = await b.connect({ host: 'fe80::a%eth0', port, timeoutMs: 2000 });
      expect(await readAll(client)).toBe('from A\n');
      const index = (await b.link('eth0')).index;
      const byIndex = await b.connect({ host: `fe80::a%${index}`, port, timeoutMs: 2000 });
      expect(await readAll(byIndex)).toBe('from A\n');
      const error = await b.connect({ host: 'fe80::a%nosuch0', port, timeoutMs: 2000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'InvalidArgumentError', field: 'host' });
      expect((error as Error).message).toMatch(/names no interface .*netns/);
      // Without a zone the interface would be a guess (libuv's, made in the process's namespace).
      await expect(b.connect({ host: 'fe80::a', port })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'host' });
    } finally {
      await closeServer(server);
    }
  });

  it('scoped IPv6 from a process whose own namespace has a link-local address (libuv fills in the scope id from there)', async () => {
    expect(existsSync(SCOPED_CHILD), `${SCOPED_CHILD} is missing: build first (the test command does)`).toBe(true);
    // The test above may have added it already.
    await a.addAddress('eth0', 'fe80::a/64', { noDad: true }).catch((e: { code?: string }) => expect(e.code).toBe('EEXIST'));
    const port = 8124;
    const server = await a.listen({ host: 'fe80::a%eth0', port }, (socket) => socket.end('from A\n'));
    const c = await Namespace.create(`${tag}-c`);
    try {
      await (await c.link('lo')).up();
      await c.addAddress('lo', 'fe80::c/64', { noDad: true });
      const index = (await b.link('eth0')).index;
      expect(index).not.toBe(1); // lo's index in C, the scope libuv would pick
      const result = await collect(c.spawn(process.execPath, [SCOPED_CHILD, `${tag}-b`, String(port), String(index)]), 30_000);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ byName: 'from A\n', byIndex: 'from A\n' });
    } finally {
      await c.delete();
      await closeServer(server);
    }
  });

  it('works over IPv6 too', async () => {
    const server = await a.listen({ host: '::1', port: 0 }, (socket) => socket.end('six\n'));
    const { port } = server.address() as net.AddressInfo;
    const client = await a.connect({ host: '::1', port, timeoutMs: 2000 });
    expect(await readAll(client)).toBe('six\n');
    await closeServer(server);
  });

  it('leaves no fd open: many connections, then everything closed', async () => {
    const server = await a.listen({ host: '10.99.0.1', port: 0 }, (socket) => socket.end('x'));
    const { port } = server.address() as net.AddressInfo;
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      const client = await b.connect({ host: '10.99.0.1', port, timeoutMs: 2000 });
      await readAll(client);
      client.destroy();
      await b.connect({ host: '10.99.0.1', port: 1, timeoutMs: 2000 }).catch(() => undefined);
    }
    await closeServer(server);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBeLessThanOrEqual(before - 1); // the listening socket is gone too
    expect(fdsBefore).toBeGreaterThan(0);
  });
});
