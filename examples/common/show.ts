/**
 * Prints a namespace's state the way `ip addr` and `ip route` show it, built from the
 * library's own dumps (no `ip` binary involved).
 */
import type { Address, Link, Namespace, Route } from '../../lib/index.js';

const FLAG_NAMES: Array<[number, string]> = [
  [0x8, 'LOOPBACK'],
  [0x2, 'BROADCAST'],
  [0x1000, 'MULTICAST'],
  [0x1, 'UP'],
  [0x10000, 'LOWER_UP'],
];

function flagWords(link: Link): string {
  const words = FLAG_NAMES.filter(([bit]) => (link.flags & bit) !== 0).map(([, name]) => name);
  if ((link.flags & 0x1) !== 0 && (link.flags & 0x10000) === 0 && link.kind !== undefined) words.push('NO-CARRIER');
  return words.join(',');
}

/** `ip addr`: one block per link with its addresses. */
export async function formatAddresses(ns: Namespace): Promise<string> {
  const [links, addresses] = await Promise.all([ns.links(), ns.addresses()]);
  const byIndex = new Map<number, Link>(links.map((l) => [l.index, l]));
  const lines: string[] = [];
  for (const link of links) {
    const master = link.master !== undefined ? ` master ${byIndex.get(link.master)?.name ?? link.master}` : '';
    const kind = link.kind ? ` (${link.kind})` : '';
    lines.push(`${link.index}: ${link.name}: <${flagWords(link)}> mtu ${link.mtu ?? '?'}${master} state ${link.operstate.toUpperCase()}${kind}`);
    if (link.mac && link.mac !== '00:00:00:00:00:00') lines.push(`    link/ether ${link.mac}`);
    for (const a of addresses.filter((x: Address) => x.dev === link.index)) {
      lines.push(`    ${a.family === 4 ? 'inet' : 'inet6'} ${a.cidr} scope ${a.scope}${a.family === 4 ? ` ${link.name}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** `ip route`: the main table, IPv4. */
export async function formatRoutes(ns: Namespace): Promise<string> {
  const [links, routes] = await Promise.all([ns.links(), ns.routes({ family: 4 })]);
  const names = new Map<number, string>(links.map((l) => [l.index, l.name]));
  const lines = routes.map((r: Route) => {
    const dst = r.dst === 'default' || r.dstLen === 0 ? 'default' : r.dstLen === 32 ? r.dst.replace(/\/32$/, '') : r.dst;
    const parts = [dst];
    if (r.via) parts.push(`via ${r.via}`);
    if (r.dev !== undefined) parts.push(`dev ${names.get(r.dev) ?? r.dev}`);
    if (r.protocol !== 'boot' && r.protocol !== 'static') parts.push(`proto ${r.protocol}`);
    if (r.scope !== 'global') parts.push(`scope ${r.scope}`);
    if (r.src) parts.push(`src ${r.src}`);
    if (r.metric) parts.push(`metric ${r.metric}`);
    if (r.dev !== undefined && names.has(r.dev) && r.raw.flags & 0x10 /* RTNH_F_LINKDOWN */) parts.push('linkdown');
    return parts.join(' ');
  });
  return lines.length ? lines.join('\n') : '(no routes)';
}

export function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
}

/** A plain text table; columns padded to the widest cell (counting code points). */
export function table(header: string[], rows: string[][]): string {
  const width = (s: string): number => [...s].length;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function ms(from: number, to = performance.now()): string {
  const d = to - from;
  return d < 10 ? `${d.toFixed(1)} ms` : `${Math.round(d)} ms`;
}
