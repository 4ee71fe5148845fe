import { NetnsRtnlError } from '../../messages/errors.js';

/**
 * A socket's fd could not be followed between this library and Node: the `netlink` package's
 * socket was not found among the process's fds, or Node no longer holds a TCP socket made in a
 * namespace. Nothing is sent on a socket that might be the wrong one.
 */
export class SocketHandoffError extends NetnsRtnlError {
  override readonly name = 'SocketHandoffError';
  readonly code = 'ERR_SOCKET_HANDOFF';
  constructor(message: string) {
    super(message);
  }
}
