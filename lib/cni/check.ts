import { IFF_PROMISC } from '../../messages/link/index.js';
import { parsePrefix, networkOf } from '../validate.js';
import { sameAddress } from './addressing.js';
import { containerRequest, ipam, loadNat, natOwner, openContainerAndHost, type AttachOptions, type ConfigInput } from './call.js';
import { checkCapabilities, parseCapabilities } from './capabilities.js';
import { CNI_ERRORS, CniError } from './errors.js';

/**
 * CHECK: verifies against prevResult what ADD made: the bridge (kind, MAC, promisc), the
 * container's veth (in the sandbox, MAC), its host peer on the bridge, the addresses and routes
 * in the container, and the NAT rules for ipMasq; and runs CHECK on the IPAM plugin.
 */
export async function checkContainer(input: ConfigInput, options: AttachOptions): Promise<void> {
  const { n, env } = containerRequest(input, options);
  const { container, host } = await openContainerAndHost(options);
  try {
    if (n.ipamType !== '') await ipam('CHECK', n, env, host);
    const result = n.prevResult;
    if (!result) throw new CniError(CNI_ERRORS.INTERNAL, 'Required prevResult missing');
    const fail = (msg: string) => new CniError(CNI_ERRORS.INTERNAL, msg);
    const interfaces = result.interfaces ?? [];
    const brIf = interfaces.find((i) => i.name === n.bridge && !i.sandbox);
    const contIf = interfaces.find((i) => i.name === options.ifname && i.sandbox === env.netns);
    if (!brIf) throw fail(`CNI created bridge ${n.bridge} in host namespace was not found`);
    const br = await host.rtnl.link(n.bridge).catch(() => undefined);
    if (!br) throw fail(`Interface name ${n.bridge} not found`);
    if (br.kind !== 'bridge') throw fail(`Interface ${n.bridge} does not have link type of bridge`);
    if (brIf.mac && brIf.mac !== br.mac) throw fail(`Bridge interface ${n.bridge} Mac doesn't match: ${brIf.mac}`);
    const promisc = (br.flags & IFF_PROMISC) !== 0;
    if (promisc !== n.promiscMode) throw fail(`Bridge interface ${n.bridge} configured Promisc Mode ${n.promiscMode} doesn't match current state: ${promisc} `);
    if (!contIf) throw fail(`Sandbox in prevResult  doesn't match configured netns: ${env.netns}`);
    const cont = await container.rtnl.link(options.ifname).catch(() => undefined);
    if (!cont) throw fail(`Interface name ${options.ifname} not found`);
    if (cont.kind !== 'veth') throw fail(`Error: Container interface ${options.ifname} not of type veth`);
    if (contIf.mac && contIf.mac !== cont.mac) throw fail(`Interface ${options.ifname} Mac ${contIf.mac} doesn't match container Mac: ${cont.mac}`);
    let vethFound = false;
    for (const intf of interfaces) {
      if (intf === brIf || intf === contIf || intf.sandbox) continue;
      const link = await host.rtnl.link(intf.name).catch(() => undefined);
      if (!link || link.kind !== 'veth') continue;
      if (link.index !== cont.parent || link.parent !== cont.index || link.master !== br.index) continue;
      if (intf.mac && intf.mac !== link.mac) throw fail(`Interface ${intf.name} Mac doesn't match: ${intf.mac} not found`);
      vethFound = true;
      break;
    }
    if (!vethFound) throw fail(`CNI veth created for bridge ${n.bridge} was not found`);

    const addrs = await container.rtnl.addresses({ dev: cont.index });
    for (const ip of result.ips ?? []) {
      if (ip.interface === undefined || interfaces[ip.interface] !== contIf) continue;
      const [addr, len] = ip.address.split('/');
      if (!addrs.some((a) => sameAddress(a.address, addr!) && a.prefixlen === Number(len))) throw fail(`Failed to match addr ${ip.address} on interface ${options.ifname}`);
    }
    if (result.routes?.length) {
      const routes = [...(await container.rtnl.routes({ family: 4 })), ...(await container.rtnl.routes({ family: 6 }))];
      for (const r of result.routes) {
        const p = parsePrefix(r.dst, 'dst');
        const found = routes.some((x) => x.family === p.family && x.dstLen === p.prefixlen && (p.prefixlen === 0 || sameAddress(x.dst.split('/')[0]!, networkOf(p))) && (r.gw === undefined || (x.via !== undefined && sameAddress(x.via, r.gw))));
        if (!found) throw fail(`Route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} not found in container ${env.netns}`);
      }
    }
    if (n.ipamType !== '' && n.ipMasq) {
      const owner = natOwner(n.name, options.containerId, options.ifname);
      const nat = await loadNat(host);
      try {
        const rules = (await nat.rules()).filter((r) => r.owner === owner);
        for (const ip of (result.ips ?? []).filter((i) => i.interface !== undefined && interfaces[i.interface] === contIf)) {
          if (!rules.some((r) => sameAddress(r.source.split('/')[0]!, ip.address.split('/')[0]!))) throw fail(`ipMasq: no masquerade rule for ${ip.address} (network ${n.name}, container ${options.containerId})`);
        }
      } finally {
        nat.close();
      }
    }
    const caps = parseCapabilities(n.raw);
    if (caps.portMappings.length || caps.bandwidth) {
      const hostVeth = cont.parent === undefined ? undefined : await host.rtnl.link(cont.parent).catch(() => undefined);
      await checkCapabilities(host, caps, natOwner(n.name, options.containerId, options.ifname), hostVeth);
    }
  } catch (error) {
    throw CniError.from(error);
  } finally {
    container.close();
    host.close();
  }
}

