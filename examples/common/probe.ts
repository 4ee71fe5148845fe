/**
 * Reachability checks with no process per check: a TCP server in the target namespace
 * (ns.listen) tells each client the source address it saw; the client (ns.connect, a socket
 * made inside the source namespace) reads that line. A check passes when the connection is
 * made and the far end saw the source address we expect.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Namespace } from '../../lib/index.js';

export const PROBE_PORT = 7000;

/** Starts a server in `ns` that answers every connection with `<source address seen>\n`. */
export async function startProbeServer(ns: Namespace, host = '0.0.0.0', port = PROBE_PORT): Promise<Server> {
  const server = await ns.listen({ host, port }, (socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end(`${socket.remoteAddress ?? '?'}\n`);
  });
  return server;
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export interface ProbeResult {
  ok: boolean;
  /** The source address the far end saw. */
  seen?: string;
  /** Why it failed: an errno code (ECONNREFUSED, ETIMEDOUT ...) or a mismatch. */
  error?: string;
  ms: number;
}

/** Connects from `from` to host:port, reads the address the server saw, all within `timeoutMs`. */
export async function probe(from: Namespace, host: string, port: number, options: { timeoutMs?: number; expectSource?: string } = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const start = performance.now();
  const took = (): number => Math.round((performance.now() - start) * 10) / 10;
  let socket: Socket | undefined;
  try {
    socket = await from.connect({ host, port, timeoutMs });
    const seen = await readLine(socket, Math.max(1, timeoutMs - (performance.now() - start)));
    if (options.expectSource !== undefined && seen !== options.expectSource) {
      return { ok: false, seen, error: `server saw ${seen}, expected ${options.expectSource}`, ms: took() };
    }
    return { ok: true, seen, ms: took() };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, error: code ?? (error as Error).message, ms: took() };
  } finally {
    socket?.destroy();
  }
}

function readLine(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT (no answer)' })), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, nl));
      }
    });
    socket.once('end', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('closed without an answer'), { code: 'EOF' }));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
