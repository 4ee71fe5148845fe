/**
 * ADD's IPAM reservation as the cni-bridge executable starts it, before it loads the engine: the
 * IPAM plugin (a program of its own, host-local's run takes several ms) runs while the engine loads
 * and makes the bridge and the veth pair; the engine takes its result where it would have started
 * the plugin itself, after the veth, so a failure is reported in the same order. Any failure of the
 * ADD releases the reservation (IPAM DEL) once the engine has undone the rest.
 *
 * Only for host-local: it refuses a second allocation for the same container and interface, so a
 * repeated ADD that fails (the container's interface exists already) cannot release the address of
 * the first one. Another IPAM plugin is started by the engine after the veth, as the reference does.
 */
import { callOptions, cniEnv } from './cni-env.js';
import type { BridgeConfig } from './config.js';
import { execPlugin } from './exec.js';

/** The reservation begun early: the plugin's parsed result, and its release for a failed ADD. */
export interface Reservation {
  readonly result: Promise<unknown>;
  /** IPAM DEL if the reservation was made; never rejects. */
  release(): Promise<void>;
}

/** Starts ADD's IPAM plugin for a call checked already (`n`, its configuration), if its IPAM is host-local. */
export function startReservation(env: NodeJS.ProcessEnv, n: BridgeConfig): Reservation | undefined {
  try {
    if (n.ipamType !== 'host-local') return undefined;
    const ipamEnv = cniEnv(callOptions(env));
    const result = execPlugin(n.ipamType, 'ADD', n.raw, ipamEnv);
    result.catch(() => undefined);
    const release = () =>
      result.then(
        () => execPlugin(n.ipamType, 'DEL', n.raw, ipamEnv).then(() => undefined, () => undefined),
        () => undefined,
      );
    return { result, release };
  } catch {
    return undefined;
  }
}
