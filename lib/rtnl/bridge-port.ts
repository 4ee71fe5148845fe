/**
 * Bridge ports: their settings (`ip link set DEV type bridge_slave hairpin on ...`) and their VLANs
 * (`bridge vlan add dev DEV vid 10 pvid untagged`), as messages built from the kernel's constants.
 */
import { AF_BRIDGE, AF_UNSPEC, RTM_DELLINK, RTM_NEWLINK, RTM_SETLINK } from '../../messages/constants.js';
import {
  BRIDGE_FLAGS_MASTER,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_UNTAGGED,
  type BridgePortData,
} from '../../messages/link/index.js';
import type { LinkMessage, NetlinkMessage } from '../../messages/message.js';
import { checkInteger, checkU32, InvalidArgumentError, VLAN_ID_MAX } from '../validate.js';

/** Settings of a link attached to a bridge (IFLA_BRPORT_*); each one left out stays as it is. */
export interface BridgePortSettings {
  /** Send frames back out of the port they came in on (hairpin mode, IFLA_BRPORT_MODE). */
  hairpin?: boolean;
  /** Learn source MAC addresses of frames received on the port. */
  learning?: boolean;
  /** Flood unicast frames to unknown destinations out of this port. */
  unicastFlood?: boolean;
  /** Keep the port from talking to other isolated ports. */
  isolated?: boolean;
  /** Spanning tree port cost, 1 to 65535. */
  cost?: number;
  /** Spanning tree port priority, 0 to 63. */
  priority?: number;
}

/** A VLAN on a bridge port (`bridge vlan ... dev DEV vid VID [pvid] [untagged]`). */
export interface BridgeVlan {
  /** VLAN id, 1 to VLAN_ID_MAX (4094). */
  vid: number;
  /** Untagged frames received on the port belong to this VLAN. */
  pvid?: boolean;
  /** Frames of this VLAN leave the port untagged. */
  untagged?: boolean;
}

export { VLAN_ID_MAX };

const SETTINGS: ReadonlySet<string> = new Set(['hairpin', 'learning', 'unicastFlood', 'isolated', 'cost', 'priority']);

function flag(settings: BridgePortSettings, key: 'hairpin' | 'learning' | 'unicastFlood' | 'isolated'): number | undefined {
  const value: unknown = settings[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(key, value, 'is not true or false');
  return value ? 1 : 0;
}

/** RTM_NEWLINK with IFLA_INFO_SLAVE_DATA for the port's bridge: what `ip link set DEV type bridge_slave ...` sends. */
export function bridgePortMessage(index: number, settings: BridgePortSettings): LinkMessage {
  if (typeof settings !== 'object' || settings === null) throw new InvalidArgumentError('settings', settings, 'is not an object like { hairpin: true }');
  for (const key of Object.keys(settings)) {
    if (!SETTINGS.has(key)) throw new InvalidArgumentError(key, (settings as Record<string, unknown>)[key], `is not a bridge port setting (${[...SETTINGS].join(', ')})`);
  }
  const data: BridgePortData = {};
  const mode = flag(settings, 'hairpin');
  if (mode !== undefined) data.mode = mode;
  const learning = flag(settings, 'learning');
  if (learning !== undefined) data.learning = learning;
  const unicastFlood = flag(settings, 'unicastFlood');
  if (unicastFlood !== undefined) data.unicastFlood = unicastFlood;
  const isolated = flag(settings, 'isolated');
  if (isolated !== undefined) data.isolated = isolated;
  if (settings.cost !== undefined) data.cost = checkInteger(settings.cost, 'cost', 1, 65535);
  if (settings.priority !== undefined) data.priority = checkInteger(settings.priority, 'priority', 0, 63);
  if (Object.keys(data).length === 0) throw new InvalidArgumentError('settings', settings, 'changes nothing: give at least one setting');
  return {
    kind: 'link',
    type: RTM_NEWLINK,
    flags: 0,
    seq: 0,
    pid: 0,
    body: { family: AF_UNSPEC, type: 0, index: checkU32(index, 'index'), flags: 0, change: 0, attrs: { linkinfo: { slaveKind: 'bridge', slaveData: data } } },
  };
}

/** RTM_SETLINK (add) or RTM_DELLINK (delete) in family AF_BRIDGE: `bridge vlan add|del dev DEV vid VID ... master`. */
export function bridgeVlanMessage(kind: 'add' | 'delete', index: number, vlan: BridgeVlan): LinkMessage {
  if (typeof vlan !== 'object' || vlan === null) throw new InvalidArgumentError('vlan', vlan, 'is not an object like { vid: 10 }');
  const vid = checkInteger(vlan.vid, 'vid', 1, VLAN_ID_MAX);
  for (const key of ['pvid', 'untagged'] as const) {
    if (vlan[key] !== undefined && typeof vlan[key] !== 'boolean') throw new InvalidArgumentError(key, vlan[key], 'is not true or false');
  }
  const flags = (vlan.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (vlan.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
  return {
    kind: 'link',
    type: kind === 'add' ? RTM_SETLINK : RTM_DELLINK,
    flags: 0,
    seq: 0,
    pid: 0,
    body: { family: AF_BRIDGE, type: 0, index: checkU32(index, 'index'), flags: 0, change: 0, attrs: { afSpec: { flags: BRIDGE_FLAGS_MASTER, vlanInfo: [{ flags, vid }] } } },
  };
}

/** The VLANs of each bridge port in an AF_BRIDGE link dump made with RTEXT_FILTER_BRVLAN, by ifindex. */
export function bridgeVlansOf(messages: readonly NetlinkMessage[]): Map<number, BridgeVlan[]> {
  const out = new Map<number, BridgeVlan[]>();
  for (const m of messages) {
    if (m.kind !== 'link' || m.body.family !== AF_BRIDGE) continue;
    const infos = m.body.attrs.afSpec?.vlanInfo ?? [];
    out.set(
      m.body.index,
      infos.map((v) => ({ vid: v.vid, pvid: (v.flags & BRIDGE_VLAN_INFO_PVID) !== 0, untagged: (v.flags & BRIDGE_VLAN_INFO_UNTAGGED) !== 0 })),
    );
  }
  return out;
}
