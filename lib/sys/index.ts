// lib/sys: the only code in the project that touches the operating system.
export * from './constants.js';
export { SystemCallError } from './system-call-error.js';
export { SocketHandoffError } from './socket-handoff-error.js';
export { UnsupportedHostError } from './host-byte-order.js';
export { currentNetnsInode, netnsInodeOfFd, openCurrentNetnsFd, NetnsRestoreError, withNetns, withNewNetns } from './netns-thread.js';
export {
  createNamedNetns,
  createNamedNetnsWith,
  DEFAULT_NETNS_DIR,
  deleteNamedNetns,
  listNamedNetns,
  namedNetnsPath,
  NotNetnsError,
  openNetnsFd,
  validateNetnsName,
  type NetnsDirOptions,
} from './named-netns.js';
export { closeFdSoon, deleteNetnsFileSoon } from './netns-unpin-batch.js';
export { createNetnsDirect, type CreatedHandles } from './netns-create-program.js';
export { spawnInNetns, sysctlInNetns } from './netns-files.js';
export { isRegularFile, spawnProgram } from './programs.js';
export { openNetlinkSocket, type RequestSocket } from './netlink-request-socket.js';
export { openNetlinkEventSocket, type EventSocket } from './netlink-event-socket.js';
export type { NetlinkSocketOptions } from './netlink-socket-common.js';
export { closeFd, getsockoptInt, getsockoptInto, setsockoptInt } from './libc.js';
export { ConnectTimeoutError, connectInNetns, encodeSockaddr, listenInNetns, type NetnsConnectOptions, type NetnsListenOptions } from './tcp-in-netns.js';
