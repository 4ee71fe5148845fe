import type { Logger } from './log.js';

export interface NamespaceOptions {
  /** pino logger for this namespace's socket (silent by default). */
  logger?: Logger;
  /**
   * Default time allowed for each request's answer, in ms (default 30000; 0: no limit), counted
   * from when the request is sent, not while it waits its turn (see RequestOptions.timeoutMs).
   */
  timeoutMs?: number;
  /**
   * Where named namespaces live (default /run/netns, as iproute2, which is made a shared mount
   * point as iproute2 does). Another directory must exist, and its mounts are left as they are: the
   * namespaces mounted in it are seen by this mount namespace (and those it propagates to).
   */
  dir?: string;
}

export interface CreateNamespaceOptions extends NamespaceOptions {
  /** Open the namespace if one with this name exists instead of failing. */
  existOk?: boolean;
  /**
   * Disposal (`await using`, or `[Symbol.asyncDispose]()`) deletes the namespace instead of only
   * closing this handle, and waits until the devices it takes with it are gone
   * (`delete({ waitForDevices: true })`). Only a namespace this call created: one opened because
   * of `existOk` is only closed.
   */
  deleteOnDispose?: boolean;
}

export interface DeleteNamespaceOptions {
  /**
   * Resolve only once the devices that go with the namespace are gone: the kernel destroys a
   * deleted namespace later, in the background, and only then deletes its veths and their peers
   * in other namespaces, whose names stay taken meanwhile (some 10-25 ms; creating a veth with a
   * peer's name at once fails with EEXIST). The peers are watched over netlink in the current
   * namespace and in the named ones.
   */
  waitForDevices?: boolean;
  /**
   * How long waitForDevices waits before rejecting with RequestTimeoutError (default 30000 ms: the
   * kernel destroys namespaces one batch at a time for the whole machine, slowly under churn).
   */
  timeoutMs?: number;
}

export type NamespaceRef = string | { path: string } | { pid: number };

/** A sysctl under net.*, e.g. 'net.ipv4.ip_forward'. */
export type NetSysctl = `net.${string}`;
