import { messageTypeName } from '../messages/constants.js';
import type { NetlinkMessage } from '../messages/message.js';

/** One line per message for trace logs: type, seq, flags, and the fields that identify the object. */
export function summarize(m: NetlinkMessage): string {
  const head = `${messageTypeName(m.type)} seq=${m.seq} flags=0x${m.flags.toString(16)}`;
  switch (m.kind) {
    case 'link':
      return `${head} index=${m.body.index}${m.body.attrs.ifname ? ` ${m.body.attrs.ifname}` : ''}`;
    case 'address':
      return `${head} ${m.body.attrs.local ?? m.body.attrs.address ?? '?'}/${m.body.prefixlen} index=${m.body.index}`;
    case 'route':
      return `${head} ${m.body.attrs.dst ?? 'default'}/${m.body.dstLen} table=${m.body.attrs.table ?? m.body.table}${m.body.attrs.gateway ? ` via ${m.body.attrs.gateway}` : ''}${m.body.attrs.oif !== undefined ? ` oif=${m.body.attrs.oif}` : ''}`;
    case 'neighbor':
      return `${head} ${m.body.attrs.dst ?? ''} lladdr=${m.body.attrs.lladdr ?? '-'} ifindex=${m.body.ifindex}`;
    case 'nsid':
      return `${head} nsid=${m.body.attrs.nsid ?? '-'}`;
    case 'rule':
      return `${head} ${m.body.attrs.src ?? 'all'}/${m.body.srcLen} priority=${m.body.attrs.priority ?? '-'} table=${m.body.attrs.table ?? m.body.table}`;
    case 'qdisc':
    case 'filter':
      return `${head} ${m.body.attrs.kind ?? '?'} ifindex=${m.body.ifindex} handle=0x${m.body.handle.toString(16)} parent=0x${m.body.parent.toString(16)}`;
    case 'nexthop':
      return `${head} id=${m.body.attrs.id ?? '-'}${m.body.attrs.gateway ? ` via ${m.body.attrs.gateway}` : ''}${m.body.attrs.group ? ` group ${m.body.attrs.group.map((g) => `${g.id}/${g.weight}`).join(',')}` : ''}`;
    case 'error':
      return `${head} error=${m.body.error}${m.body.ext?.msg ? ` "${m.body.ext.msg}"` : ''} for seq=${m.body.request.seq}`;
    case 'done':
      return `${head} status=${m.body.error}`;
    default:
      return `${head} ${m.body.length} bytes`;
  }
}
