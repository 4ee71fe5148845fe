import { AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE } from '../messages/constants.js';
import type { RuleMessage } from '../messages/message.js';
import {
  FIB_RULE_INVERT, FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, type RuleAttrs, type RuleBody,
} from '../messages/rule/index.js';
import type { Connection } from './connection.js';
import { requestChange } from './rtnl/change-log.js';
import { lookup, TABLES, tableName, type TableName } from './rtnl/names.js';
import { checkInterfaceName, checkU32, InvalidArgumentError, networkOf, parsePrefix, type Family } from './validate.js';

// Policy routing rules, as `ip rule` shows and takes them (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE).

/** What a rule does with a match (FR_ACT_*): look up `table`, `goto` another rule, or drop. */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

const ACTIONS: Readonly<Record<RuleAction, number>> = {
  table: FR_ACT_TO_TBL,
  goto: FR_ACT_GOTO,
  nop: FR_ACT_NOP,
  blackhole: FR_ACT_BLACKHOLE,
  unreachable: FR_ACT_UNREACHABLE,
  prohibit: FR_ACT_PROHIBIT,
};
const ACTION_NAMES = new Map(Object.entries(ACTIONS).map(([k, v]) => [v, k as RuleAction]));

/** A rule as `ip rule add` takes it; what ns.rules() returns can be given back (to deleteRule). */
export interface RuleSpec {
  /** `pref`: rules are tried from the lowest; 0 to 4294967295 (0, 32766 and 32767 hold the kernel's own). */
  priority?: number;
  /** Source prefix ('10.0.1.0/24', a bare address for one host); absent for any. */
  from?: string;
  /** Destination prefix. */
  to?: string;
  /** Incoming interface name ('lo' matches locally generated traffic). */
  iif?: string;
  /** Outgoing interface name (for sockets bound to a device). */
  oif?: string;
  /** Firewall mark to match, with `fwmask` (default all bits). */
  fwmark?: number;
  fwmask?: number;
  /** The routing table to look in (`lookup`), for action 'table' (the default when a table is given). */
  table?: TableName | number;
  /** What a match does: look in `table` (default), or drop ('blackhole', 'unreachable', 'prohibit'). */
  action?: RuleAction | number;
  /** For action 'goto': the priority of the rule to continue at. */
  goto?: number;
  /** Match packets the selectors do NOT match (`ip rule add not ...`). */
  not?: boolean;
  /** 4 or 6; taken from `from`/`to` when they are given, else 4. */
  family?: Family;
}

/** A rule as the kernel reports it. */
export interface Rule extends RuleSpec {
  family: Family;
  priority: number;
  action: RuleAction | number;
  /** FRA_PROTOCOL: who made it (2, kernel, for the default rules). */
  protocol?: number;
  raw: RuleBody;
}

function prefixOf(text: string, field: string, family: Family | undefined): { family: Family; address: string; prefixlen: number } {
  const prefix = parsePrefix(text, field, { allowBare: true });
  if (family !== undefined && prefix.family !== family) throw new InvalidArgumentError(field, text, `is IPv${prefix.family} but the rule is IPv${family}`);
  return { ...prefix, address: networkOf(prefix) };
}

/** RTM_NEWRULE or RTM_DELRULE for `spec`, every field checked before anything is sent. */
export function ruleMessage(kind: 'add' | 'delete', spec: RuleSpec): RuleMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('rule', spec, 'is not a rule object');
  if (spec.family !== undefined && spec.family !== 4 && spec.family !== 6) throw new InvalidArgumentError('family', spec.family, 'is not 4 or 6');
  const from = spec.from === undefined ? undefined : prefixOf(spec.from, 'from', spec.family);
  const to = spec.to === undefined ? undefined : prefixOf(spec.to, 'to', spec.family ?? from?.family);
  const family: Family = spec.family ?? from?.family ?? to?.family ?? 4;
  const attrs: RuleAttrs = {};
  if (spec.priority !== undefined) attrs.priority = checkU32(spec.priority, 'priority');
  if (from) attrs.src = from.address;
  if (to) attrs.dst = to.address;
  if (spec.iif !== undefined) attrs.iifname = checkInterfaceName(spec.iif, 'iif');
  if (spec.oif !== undefined) attrs.oifname = checkInterfaceName(spec.oif, 'oif');
  if (spec.fwmark !== undefined) attrs.fwmark = checkU32(spec.fwmark, 'fwmark');
  if (spec.fwmask !== undefined) {
    if (spec.fwmark === undefined) throw new InvalidArgumentError('fwmask', spec.fwmask, 'needs fwmark beside it');
    attrs.fwmask = checkU32(spec.fwmask, 'fwmask');
  }
  let action = spec.action === undefined ? undefined : lookup(ACTIONS, spec.action, 'action');
  if (spec.goto !== undefined) {
    if (action !== undefined && action !== FR_ACT_GOTO) throw new InvalidArgumentError('goto', spec.goto, `needs action 'goto', not '${spec.action}'`);
    attrs.goto = checkU32(spec.goto, 'goto');
    action = FR_ACT_GOTO;
  }
  let table = 0;
  if (spec.table !== undefined) {
    if (action !== undefined && action !== FR_ACT_TO_TBL) throw new InvalidArgumentError('table', spec.table, `is for action 'table', not '${spec.action}'`);
    const id = lookup(TABLES, spec.table, 'table', 0xffffffff);
    if (id === 0) throw new InvalidArgumentError('table', spec.table, 'is 0 (unspecified): give a table from 1 to 4294967295');
    if (id < 256) table = id;
    else attrs.table = id;
    action = FR_ACT_TO_TBL;
  }
  if (kind === 'add' && action === undefined) throw new InvalidArgumentError('table', spec.table, "is missing: say which table to look in, or give an action such as 'blackhole'");
  if (kind === 'add' && action === FR_ACT_GOTO && attrs.goto === undefined) throw new InvalidArgumentError('goto', spec.goto, "is missing: action 'goto' needs the priority to continue at");
  return {
    kind: 'rule',
    type: kind === 'add' ? RTM_NEWRULE : RTM_DELRULE,
    flags: kind === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0,
    seq: 0,
    pid: 0,
    body: {
      family: family === 4 ? AF_INET : AF_INET6,
      dstLen: to?.prefixlen ?? 0,
      srcLen: from?.prefixlen ?? 0,
      tos: 0,
      table,
      action: action ?? 0,
      flags: spec.not ? FIB_RULE_INVERT : 0,
      attrs,
    },
  };
}

/** A decoded RTM_NEWRULE as a Rule. */
export function toRule(raw: RuleBody): Rule {
  const a = raw.attrs;
  const family: Family = raw.family === AF_INET6 ? 6 : 4;
  const rule: Rule = { family, priority: a.priority ?? 0, action: ACTION_NAMES.get(raw.action) ?? raw.action, raw };
  if (a.src !== undefined) rule.from = `${a.src}/${raw.srcLen}`;
  if (a.dst !== undefined) rule.to = `${a.dst}/${raw.dstLen}`;
  if (a.iifname !== undefined) rule.iif = a.iifname;
  if (a.oifname !== undefined) rule.oif = a.oifname;
  if (a.fwmark !== undefined) rule.fwmark = a.fwmark;
  if (a.fwmask !== undefined) rule.fwmask = a.fwmask;
  if (raw.action === FR_ACT_TO_TBL) rule.table = tableName(a.table ?? raw.table);
  if (a.goto !== undefined) rule.goto = a.goto;
  if (raw.flags & FIB_RULE_INVERT) rule.not = true;
  if (a.protocol !== undefined) rule.protocol = a.protocol;
  return rule;
}

/** Rule requests over one namespace's rtnetlink connection. */
export class Rules {
  constructor(private readonly connection: Connection) {}

  /** The rules of one family, or of both (`ip rule show`, `ip -6 rule show`), in priority order per family. */
  async list(filter: { family?: Family } = {}): Promise<Rule[]> {
    const family = filter.family === undefined ? AF_UNSPEC : filter.family === 4 ? AF_INET : AF_INET6;
    const request: RuleMessage = {
      kind: 'rule', type: RTM_GETRULE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0,
      body: { family, dstLen: 0, srcLen: 0, tos: 0, table: 0, action: 0, flags: 0, attrs: {} },
    };
    const replies = await this.connection.dump(request, { operation: 'RTM_GETRULE dump' });
    return replies.flatMap((m) => (m.kind === 'rule' ? [toRule(m.body)] : []));
  }

  /** Adds a rule (as `ip rule add`); EEXIST when an identical one exists. */
  async add(spec: RuleSpec): Promise<void> {
    await requestChange(this.connection, ruleMessage('add', spec), `RTM_NEWRULE ${describeRule(spec)}`, 'rule.add', undefined);
  }

  /** Deletes the first rule matching every field given (as `ip rule del`); ENOENT when none does. */
  async delete(spec: RuleSpec): Promise<void> {
    await requestChange(this.connection, ruleMessage('delete', spec), `RTM_DELRULE ${describeRule(spec)}`, 'rule.del', undefined);
  }
}

function describeRule(spec: RuleSpec): string {
  if (typeof spec !== 'object' || spec === null) return String(spec);
  const parts: string[] = [];
  if (spec.not) parts.push('not');
  parts.push(`from ${spec.from ?? 'all'}`);
  if (spec.to !== undefined) parts.push(`to ${spec.to}`);
  if (spec.iif !== undefined) parts.push(`iif ${spec.iif}`);
  if (spec.oif !== undefined) parts.push(`oif ${spec.oif}`);
  if (spec.fwmark !== undefined) parts.push(`fwmark ${spec.fwmark}${spec.fwmask !== undefined ? `/${spec.fwmask}` : ''}`);
  if (spec.table !== undefined) parts.push(`lookup ${spec.table}`);
  else if (spec.action !== undefined) parts.push(String(spec.action));
  if (spec.priority !== undefined) parts.push(`pref ${spec.priority}`);
  return parts.join(' ');
}
