import type { Logger } from '../log.js';
import { NLM_F_ACK } from '../../messages/constants.js';
import {
  NETLINK_NETFILTER,
  batchBegin,
  batchEnd,
  decodeNftMessages,
  dumpChains,
  dumpRules,
  dumpTables,
  getGeneration,
  isNftGet,
  nftMessageTypeName,
  writeNftMessage,
  type ChainAttrs,
  type NftExpression,
  type NftMessage,
  type RuleAttrs,
  type TableAttrs,
} from '../../messages/nftables/index.js';
import { Connection, type MessageCodec, type RequestOptions } from '../connection.js';
import { rethrowAtCaller, UnexpectedReplyError } from '../errors.js';
import { openNetlinkSocket } from '../sys/index.js';

/**
 * nfnetlink framing for a Connection. Its functions are read when called, not when this module
 * runs: the package's bundle loads messages/nftables only once nftables is first used
 * (scripts/bundle-package.mjs), and a getter gives the loaded function from then on.
 */
export const NFNETLINK_CODEC: MessageCodec<NftMessage> = {
  get decode() {
    return decodeNftMessages;
  },
  get write() {
    return writeNftMessage;
  },
  get typeName() {
    return nftMessageTypeName;
  },
  get isGet() {
    return isNftGet;
  },
};

/** A table as `nft list tables` shows it. */
export interface NftTable {
  family: number;
  name: string;
  handle: bigint | undefined;
  flags: number;
  /** Number of chains, sets ... in the table. */
  use: number | undefined;
  attrs: TableAttrs;
}

/** A chain: its table, and for a base chain its hook, priority, type and policy. */
export interface NftChain {
  family: number;
  table: string;
  name: string;
  handle: bigint | undefined;
  attrs: ChainAttrs;
}

/** A rule: where it is, its handle, and its expressions decoded. */
export interface NftRule {
  family: number;
  table: string;
  chain: string;
  handle: bigint;
  expressions: NftExpression[];
  userdata: Uint8Array | undefined;
  attrs: RuleAttrs;
}

/** Nftables.open()'s options. */
export interface NftablesOpenOptions {
  /** fd of the network namespace to open the NETLINK_NETFILTER socket in (default: the caller's). */
  netnsFd?: number;
  logger?: Logger;
  /** Default time allowed for each request's answer, in ms, once sent (see RequestOptions.timeoutMs). */
  timeoutMs?: number;
  /** Appended to operations in errors, e.g. "in netns node1". */
  context?: string;
}

/** commit()'s options. */
export interface CommitOptions extends RequestOptions {
  /** NFNL_BATCH_GENID: apply only if the ruleset is still at this generation (else NetlinkError ERESTART). */
  genid?: number;
}

/** A rule message as an NftRule; undefined for other messages and rules missing their table, chain or handle. */
export function toNftRule(m: NftMessage): NftRule | undefined {
  if (m.kind !== 'rule') return undefined;
  const a = m.body.attrs;
  if (a.table === undefined || a.chain === undefined || a.handle === undefined) return undefined;
  return { family: m.body.family, table: a.table, chain: a.chain, handle: a.handle, expressions: a.expressions ?? [], userdata: a.userdata, attrs: a };
}

/**
 * A small nf_tables client over one NETLINK_NETFILTER socket: the ruleset generation, dumps of
 * tables, chains and rules, and commit() of changes as one all-or-nothing batch.
 */
export class Nftables {
  /** The NETLINK_NETFILTER socket. Internal to lib/ (left out of the published types). @internal */
  readonly connection: Connection<NftMessage>;

  constructor(connection: Connection<NftMessage>) {
    this.connection = connection;
  }

  /** Opens a NETLINK_NETFILTER socket, in `options.netnsFd`'s namespace if given. */
  static open(options: NftablesOpenOptions = {}): Nftables {
    const transport = openNetlinkSocket({ protocol: NETLINK_NETFILTER, ...(options.netnsFd !== undefined ? { netnsFd: options.netnsFd } : {}) });
    return new Nftables(
      new Connection<NftMessage>(transport, {
        codec: NFNETLINK_CODEC,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.context ? { context: options.context } : {}),
      }),
    );
  }

  /** The ruleset generation (NFTA_GEN_ID): it changes with every committed batch. */
  async generation(options: RequestOptions = {}): Promise<number> {
    let reply: NftMessage | undefined;
    try {
      [reply] = await this.connection.request(getGeneration(), options);
    } catch (error) {
      rethrowAtCaller(error);
    }
    if (reply?.kind !== 'gen' || reply.body.attrs.id === undefined) throw new UnexpectedReplyError('NFT_MSG_GETGEN', 'the kernel answered without NFTA_GEN_ID');
    return reply.body.attrs.id;
  }

  /** `nft list tables`, of one family (NFPROTO_*) or all. */
  async tables(filter: { family?: number } = {}, options: RequestOptions = {}): Promise<NftTable[]> {
    const out: NftTable[] = [];
    for (const m of await this.dump(dumpTables(filter), options)) {
      if (m.kind !== 'table' || m.body.attrs.name === undefined) continue;
      const a = m.body.attrs;
      out.push({ family: m.body.family, name: a.name!, handle: a.handle, flags: a.flags ?? 0, use: a.use, attrs: a });
    }
    return out;
  }

  /** The chains of one family or table, or all. */
  async chains(filter: { family?: number; table?: string } = {}, options: RequestOptions = {}): Promise<NftChain[]> {
    const out: NftChain[] = [];
    for (const m of await this.dump(dumpChains(filter), options)) {
      if (m.kind !== 'chain' || m.body.attrs.name === undefined || m.body.attrs.table === undefined) continue;
      const a = m.body.attrs;
      out.push({ family: m.body.family, table: a.table!, name: a.name!, handle: a.handle, attrs: a });
    }
    return out;
  }

  /** The rules of one family, table or chain, or all, with their expressions decoded. */
  async rules(filter: { family?: number; table?: string; chain?: string } = {}, options: RequestOptions = {}): Promise<NftRule[]> {
    const out: NftRule[] = [];
    for (const m of await this.dump(dumpRules(filter), options)) {
      const rule = toNftRule(m);
      if (rule) out.push(rule);
    }
    return out;
  }

  /**
   * Applies `changes` as one batch (BATCH_BEGIN, the changes each with NLM_F_ACK, BATCH_END) in one
   * datagram: the kernel applies all of them or none. Rejects with the first NetlinkError. Resolves
   * with what the kernel echoed for each change (for those sent with NLM_F_ECHO: the object as
   * committed, e.g. a rule with its handle).
   */
  async commit(changes: readonly NftMessage[], options: CommitOptions = {}): Promise<NftMessage[][]> {
    if (changes.length === 0) return [];
    const batch = [
      batchBegin(options.genid !== undefined ? { genid: options.genid } : {}),
      ...changes.map((m) => ({ ...m, flags: m.flags | NLM_F_ACK }) as NftMessage),
      batchEnd(),
    ];
    const results = await this.connection.transaction(batch, options);
    const echoed: NftMessage[][] = [];
    for (const r of results) {
      if (!r.ok) rethrowAtCaller(r.error);
      echoed.push(r.messages);
    }
    return echoed.slice(1, -1);
  }

  /** Closes the socket. */
  close(): void {
    this.connection.close();
  }

  private async dump(message: NftMessage, options: RequestOptions): Promise<NftMessage[]> {
    try {
      return await this.connection.dump(message, options);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }
}
