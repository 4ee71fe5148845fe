/**
 * DEL done whole by the cni-bridge executable's first stage, without the engine, when the
 * configuration leaves nothing else to undo: the container's interface (the deletion begun in
 * early-delete.ts) and the IPAM reservation. No ipMasq (NAT rules: nftables), no portMappings and no
 * bandwidth (NAT and tc) in it: those are the engine's (lib/cni/del.ts). The engine's whole load
 * is then off DEL's path, and its CPU off the call.
 *
 * The order is the engine's (del.ts): the IPAM plugin is started at once and gets its configuration
 * only once the kernel has removed the interface; a deletion that did not end plainly (outcome
 * 'again', or a failure) kills the plugin unread and leaves the whole call to the engine, which
 * deletes again its own way and reports what fails. An IPAM failure after the removal is the call's
 * error, as in the engine.
 */
import { parseCapabilities } from './capability-config.js';
import { callOptions, cniEnv } from './cni-env.js';
import type { BridgeConfig } from './config.js';
import type { DeletionOutcome } from './early-delete.js';
import { execPlugin } from './exec.js';

/**
 * Whether configuration `n` asks for NAT rules (ipMasq with IPAM), port mappings or bandwidth: the
 * engine's nftables and tc work. Without them, DEL has nothing to undo besides the interface and the
 * IPAM reservation (done here), and ADD needs only the plain engine (lib/cni/first-stage.ts).
 */
export function usesNatOrTc(n: BridgeConfig): boolean {
  if (n.ipamType !== '' && n.ipMasq) return true;
  try {
    const caps = parseCapabilities(n.raw);
    return caps.portMappings.length > 0 || caps.bandwidth !== undefined;
  } catch {
    // A capability the engine refuses: it reports it, after the deletion and the release, as ever.
    return true;
  }
}

/** Not a failure of the call: the deletion is the engine's to make again. */
const TO_ENGINE = new Error('the deletion is left to the engine');

/**
 * Finishes DEL of `n` once `deletion` (begun already) has ended: resolves true when the interface is
 * gone and the reservation released, false when the engine must make the call (nothing of it was
 * released); rejects with the IPAM plugin's failure. Undefined when the configuration needs the
 * engine anyway (usesNatOrTc).
 */
export function startRelease(env: NodeJS.ProcessEnv, n: BridgeConfig, deletion: Promise<DeletionOutcome>): Promise<boolean> | undefined {
  if (usesNatOrTc(n)) return undefined;
  const gone = deletion.then((outcome) => {
    if (outcome === 'again') throw TO_ENGINE;
  });
  if (n.ipamType === '') return gone.then(() => true, () => false);
  // execPlugin kills the plugin unread and rejects with TO_ENGINE (or the deletion's failure) if `gone` rejects.
  const released = execPlugin(n.ipamType, 'DEL', n.raw, cniEnv(callOptions(env)), { stdinAfter: gone });
  return released.then(
    () => true,
    (error: unknown) =>
      gone.then(
        () => {
          throw error;
        },
        () => false,
      ),
  );
}
