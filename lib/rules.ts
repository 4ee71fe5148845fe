import { AF_INET, AF_INET6, AF_UNSPEC, NLM_F_DUMP, NLM_F_REQUEST, RTM_GETRULE } from '../messages/constants.js';
import type { RuleMessage } from '../messages/message.js';
import type { RuleBody } from '../messages/rule/index.js';
import type { Connection } from './connection.js';
import { requestChange } from './rtnl/change-log.js';
import type { TableName } from './rtnl/names.js';
import { describeRule, ruleMessage, toRule } from './rule-messages.js';
import type { Family } from './validate.js';

// Policy routing rules, as `ip rule` shows and takes them (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE).
// Their messages are made and read in lib/rule-messages.ts, which the package's core loads on first
// use (scripts/bundle-package.mjs): Rules, a class the package exports, stays in the core.

export { ruleMessage, toRule };

/** What a rule does with a match (FR_ACT_*): look up `table`, `goto` another rule, or drop. */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

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
