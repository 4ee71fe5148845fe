/**
 * A light handle on a network namespace for the CNI engine: an fd, an rtnetlink client opened on
 * first use, sysctls under /proc/sys/net as the namespace sees them. It avoids importing the
 * whole object model (monitor, NAT), which keeps the plugin executable's start-up short.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, readFileSync, writeFileSync } from 'node:fs';
import { Connection } from '../connection.js';
import { Rtnl } from '../rtnl/client.js';
import { openNetlinkSocket, openNetnsFd, withNetns } from '../sys/index.js';

/** Something that names a namespace: a path (CNI_NETNS), or an open one (a Namespace has both). */
export type NetnsLike = string | { readonly fd: number; readonly path?: string };

export class NetnsHandle {
  #rtnl: Rtnl | undefined;
  #fd: number | undefined;
  readonly inode: number;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly owned: boolean,
  ) {
    this.#fd = fd;
    this.inode = fstatSync(fd).ino;
  }

  /** Opens `ref`; a path that does not exist rejects with code 'ENOENT'. */
  static open(ref: NetnsLike): NetnsHandle {
    if (typeof ref === 'string') return new NetnsHandle(ref, openNetnsFd(ref), true);
    return new NetnsHandle(ref.path ?? `fd ${ref.fd}`, ref.fd, false);
  }

  /** The calling thread's namespace. */
  static current(): NetnsHandle {
    return NetnsHandle.open('/proc/thread-self/ns/net');
  }

  get fd(): number {
    if (this.#fd === undefined) throw new Error(`netns ${this.path} is closed`);
    return this.#fd;
  }

  get rtnl(): Rtnl {
    if (!this.#rtnl) this.#rtnl = new Rtnl(new Connection(openNetlinkSocket({ netnsFd: this.fd }), { context: `in netns ${this.path}` }));
    return this.#rtnl;
  }

  /**
   * Reads (and with `value`, first writes) /proc/sys/net/`path` as this namespace sees it; path
   * parts are joined with '/', so interface names with dots are fine. Undefined if it is absent.
   */
  sysctl(parts: readonly string[], value?: string): string | undefined {
    const file = `/proc/sys/net/${parts.join('/')}`;
    return withNetns(this.fd, () => {
      try {
        if (value !== undefined) writeFileSync(file, value);
        return readFileSync(file, 'utf8').trim();
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      }
    });
  }

  /** Writes a sysctl only when it differs (one read, like the reference's echo1). */
  ensureSysctl(parts: readonly string[], value: string): void {
    const file = `/proc/sys/net/${parts.join('/')}`;
    withNetns(this.fd, () => {
      if (readFileSync(file, 'utf8').trim() !== value) writeFileSync(file, value);
    });
  }

  /** Starts a child process inside this namespace. */
  spawnIn(start: () => ChildProcess): ChildProcess {
    return withNetns(this.fd, start);
  }

  close(): void {
    this.#rtnl?.close();
    this.#rtnl = undefined;
    if (this.owned && this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
