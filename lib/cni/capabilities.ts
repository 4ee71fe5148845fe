/**
 * The `portMappings` and `bandwidth` runtime capabilities, done by cni-bridge itself, as the
 * portmap and bandwidth plugins do when chained after the bridge plugin: published ports through
 * our nftables NAT (Nat.publish), rate limits through tc (limitBandwidth on the host-side veth).
 *
 * - portMappings (runtimeConfig): [{ hostPort, containerPort, protocol?, hostIP? }]. Each is
 *   published for every container address of its family (hostIP, if given, picks the family and
 *   the node address); hairpin traffic from the network's own subnet is masqueraded.
 * - bandwidth (runtimeConfig.bandwidth, or the same keys at the top of the configuration, as the
 *   bandwidth plugin reads them): ingressRate/ingressBurst cap what the container receives (a tbf
 *   on the host-side veth's egress), egressRate/egressBurst what it sends (the host-side veth's
 *   ingress, redirected to an ifb device shaped by a tbf). Rates in bits per second, bursts in bits.
 *
 * Everything an attachment publishes carries its owner (natOwner), so DEL and GC remove exactly it.
 */
import { createHash } from 'node:crypto';
import type { Namespace } from '../namespace.js';
import type { LinkState } from '../rtnl/links.js';
import type { BandwidthLimits } from '../tc/bandwidth.js';
import type { Capabilities, CniBandwidth } from './capability-config.js';
import { CNI_ERRORS, CniError } from './errors.js';

export { parseCapabilities, type Capabilities, type CniBandwidth, type CniPortMapping } from './capability-config.js';

/**
 * The ifb device of an attachment's egress limit: 'bw', 5 hex digits of the network's tag and 8 of
 * the attachment's (from its owner 'cni:<network>:<attachment>'), so GC can tell its network's.
 */
export function ifbName(owner: string): string {
  const [, network = '', attachment = ''] = owner.split(':');
  const tag = (text: string, n: number) => (/^[0-9a-f]+$/.test(text) ? text : createHash('sha512').update(text).digest('hex')).slice(0, n);
  return `bw${tag(network, 5)}${tag(attachment, 8)}`;
}

/** The ifb devices of one network's attachments: their names start with this. */
export function ifbPrefix(owner: string): string {
  return ifbName(owner).slice(0, 7);
}

/** The container's egress is the host veth's ingress, and the other way round. */
function hostSideLimits(bw: CniBandwidth, owner: string): BandwidthLimits {
  const limits: BandwidthLimits = {};
  if (bw.ingressRate) limits.egress = { rate: bw.ingressRate, burst: Math.max(1, Math.floor(bw.ingressBurst! / 8)) };
  if (bw.egressRate) {
    limits.ingress = { rate: bw.egressRate, burst: Math.max(1, Math.floor(bw.egressBurst! / 8)) };
    limits.ifb = ifbName(owner);
    limits.ifbTxqlen = 0; // as the bandwidth plugin makes it
  }
  return limits;
}

/**
 * Publishes the attachment's ports and sets its rate limits; each step pushes its undo. Returns
 * the ifb device of an egress limit, which the result lists as the bandwidth plugin's does.
 */
export async function applyCapabilities(
  host: Namespace,
  caps: Capabilities,
  attachment: { owner: string; hostLink: LinkState; ips: ReadonlyArray<{ address: string }>; subnets: ReadonlyArray<string> },
  undo: Array<() => Promise<unknown>>,
): Promise<{ ifb?: { name: string; mac: string } }> {
  const made: { ifb?: { name: string; mac: string } } = {};
  if (caps.bandwidth) {
    // limitBandwidth removes what it made if it fails half-way; after it, the ifb is what outlives the veth.
    await host.tc.limitBandwidth(attachment.hostLink.index, hostSideLimits(caps.bandwidth, attachment.owner));
    undo.push(() => deleteIfbs(host, (name) => name === ifbName(attachment.owner)));
    if (caps.bandwidth.egressRate) {
      const ifb = await host.rtnl.link(ifbName(attachment.owner));
      made.ifb = { name: ifb.name, mac: ifb.mac ?? '' };
    }
  }
  if (caps.portMappings.length) {
    undo.push(() => unpublishOwned(host, (owner) => owner === attachment.owner));
    for (const m of caps.portMappings) {
      const family = m.hostIP === undefined ? undefined : m.hostIP.includes(':') ? 6 : 4;
      for (const ip of attachment.ips) {
        const address = ip.address.split('/')[0]!;
        const v6 = address.includes(':');
        if (family !== undefined && (family === 6) !== v6) continue;
        const subnet = attachment.subnets.find((s) => s.includes(':') === v6);
        await host.nat.publish({
          port: m.hostPort,
          protocol: m.protocol,
          to: v6 ? `[${address}]:${m.containerPort}` : `${address}:${m.containerPort}`,
          ...(m.hostIP !== undefined ? { hostAddress: m.hostIP } : {}),
          ...(subnet !== undefined ? { hairpinSource: subnet } : { hairpin: false }),
          owner: attachment.owner,
        });
      }
    }
  }
  return made;
}

/** Removes the published ports of the owners `owned` accepts. */
export function unpublishOwned(host: Namespace, owned: (owner: string) => boolean): Promise<number> {
  return host.nat.unpublish((p) => p.owner !== undefined && owned(p.owner));
}

/**
 * Deletes ifb devices of ours (kind ifb, named by ifbName) that `doomed` accepts by name. The
 * host-side veth goes with the container's end, and its qdiscs with it; the ifb stays until this.
 */
export async function deleteIfbs(host: Namespace, doomed: (name: string) => boolean): Promise<number> {
  let deleted = 0;
  for (const link of await host.links({ kind: 'ifb' })) {
    if (!/^bw[0-9a-f]{13}$/.test(link.name) || !doomed(link.name)) continue;
    await host.rtnl.deleteLink(link.index).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'ENODEV') throw error;
    });
    deleted++;
  }
  return deleted;
}

/** CHECK: every port mapping published for the attachment, and its rate limits in place. */
export async function checkCapabilities(host: Namespace, caps: Capabilities, owner: string, hostLink: LinkState | undefined): Promise<void> {
  const fail = (msg: string) => new CniError(CNI_ERRORS.INTERNAL, msg);
  if (caps.portMappings.length) {
    const ours = (await host.nat.published()).filter((p) => p.owner === owner);
    for (const m of caps.portMappings) {
      if (!ours.some((p) => p.port === m.hostPort && p.protocol === m.protocol && p.toPort === m.containerPort)) throw fail(`portMappings: ${m.protocol} ${m.hostPort} -> ${m.containerPort} is not published`);
    }
  }
  if (caps.bandwidth) {
    if (!hostLink) throw fail('bandwidth: the host-side veth was not found');
    const state = await host.tc.bandwidth(hostLink.index);
    // tc keeps bytes per second: a rate in bits comes back rounded to a multiple of 8.
    const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 8;
    if (caps.bandwidth.ingressRate && !near(state.egress?.rate, caps.bandwidth.ingressRate)) throw fail(`bandwidth: no tbf of ${caps.bandwidth.ingressRate} bit/s on ${hostLink.name}`);
    if (caps.bandwidth.egressRate && !near(state.ingress?.rate, caps.bandwidth.egressRate)) throw fail(`bandwidth: no ingress redirect to an ifb shaped at ${caps.bandwidth.egressRate} bit/s on ${hostLink.name}`);
  }
}
