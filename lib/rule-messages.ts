import { AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_EXCL, RTM_DELRULE, RTM_NEWRULE } from '../messages/constants.js';
import type { RuleMessage } from '../messages/message.js';
import {
  FIB_RULE_INVERT, FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, type RuleAttrs, type RuleBody,
} from '../messages/rule/index.js';
import { lookup, TABLES, tableName } from './rtnl/names.js';
import type { Rule, RuleAction, RuleSpec } from './rules.js';
import { checkInterfaceName, checkU32, InvalidArgumentError, networkOf, parsePrefix, type Family } from './validate.js';

// The messages of lib/rules.ts's requests and the rules read from the kernel's: loaded by the
// package's core on first use, with the rule messages' codec (scripts/bundle-package.mjs).

const ACTIONS: Readonly<Record<RuleAction, number>> = {
  table: FR_ACT_TO_TBL,
  goto: FR_ACT_GOTO,
  nop: FR_ACT_NOP,
  blackhole: FR_ACT_BLACKHOLE,
  unreachable: FR_ACT_UNREACHABLE,
  prohibit: FR_ACT_PROHIBIT,
};
const ACTION_NAMES = new Map(Object.entries(ACTIONS).map(([k, v]) => [v, k as RuleAction]));

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

export function describeRule(spec: RuleSpec): string {
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
