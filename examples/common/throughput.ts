/**
 * A TCP transfer between two namespaces, measured at the receiver: a server in `to` counts the
 * bytes it reads, a client made inside `from` writes as fast as TCP lets it for `seconds`. The
 * rate is taken after `warmupSeconds`, so slow start and the bucket's first burst are left out.
 */
import type { Socket } from 'node:net';
import type { Namespace } from '../../lib/index.js';

export interface Transfer {
  /** Achieved rate over the measured window, in bits per second. */
  bitsPerSecond: number;
  /** Bytes received in the measured window, and the window's length. */
  bytes: number;
  seconds: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

export async function measureTransfer(from: Namespace, to: Namespace, host: string, options: { port?: number; seconds?: number; warmupSeconds?: number } = {}): Promise<Transfer> {
  const seconds = options.seconds ?? 3;
  const warmup = options.warmupSeconds ?? 0.5;
  let started = 0;
  let windowBytes = 0;
  let windowStart = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = await to.listen({ host: '0.0.0.0', port: options.port ?? 0 }, (socket: Socket) => {
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (started === 0) started = now;
      if (now - started >= warmup * 1000) {
        if (windowStart === 0) windowStart = now;
        else windowBytes += chunk.length;
        last = now;
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done());
  });
  try {
    const port = (server.address() as { port: number }).port;
    const client = await from.connect({ host, port, timeoutMs: 5000 });
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      let writing = true;
      setTimeout(() => {
        writing = false;
        client.destroy();
        resolve();
      }, (seconds + warmup) * 1000);
      const pump = (): void => {
        while (writing && client.write(CHUNK));
      };
      client.on('drain', pump);
      pump();
    });
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2000))]);
  } finally {
    server.close();
  }
  const window = (last - windowStart) / 1000;
  return { bitsPerSecond: window > 0 ? (windowBytes * 8) / window : 0, bytes: windowBytes, seconds: window };
}
