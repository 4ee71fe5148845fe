import type { Codec } from '../attributes/codec.js';
import { bytes, string, u32 } from '../attributes/scalars.js';
import { checkArray, checkInteger, checkRecord } from '../checks.js';
import { align4 } from '../framing.js';
import { attributeLength, attributeType, nested, NLA_HDRLEN, NLA_TYPE_MASK } from '../attributes/walk.js';
import { nestedByKind, tablesByKind } from '../attributes/by-kind.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { mirredAttributes, type MirredOptions } from './kinds/mirred.js';
import { bitfield32, statsAttributes } from './stats.js';

// tc actions (<linux/pkt_cls.h>): a filter's action list (TCA_U32_ACT and its kin) holds one
// nested attribute per action, numbered 1, 2 ... in the order they run; each holds TCA_ACT_*
// attributes, with TCA_ACT_OPTIONS read by TCA_ACT_KIND.

// TC_ACT_*: what happens to the packet after an action.
/** `<linux/pkt_cls.h>` */
export const TC_ACT_UNSPEC = -1;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_OK = 0;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_RECLASSIFY = 1;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_SHOT = 2;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_PIPE = 3;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_STOLEN = 4;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_QUEUED = 5;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_REPEAT = 6;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_REDIRECT = 7;
/** `<linux/pkt_cls.h>` */
export const TC_ACT_TRAP = 8;

/** Action kinds whose TCA_ACT_OPTIONS is decoded. Adding one: a file in kinds/ and a line here. */
export const actionKindTables = { mirred: mirredAttributes } as const;

function actionTable(options: Codec<unknown>) {
  return defineTable('TCA_ACT', () => [
    attr(1, 'TCA_ACT_KIND', 'kind', string(15)),
    attr(2, 'TCA_ACT_OPTIONS', 'options', options),
    attr(3, 'TCA_ACT_INDEX', 'index', u32),
    attr(4, 'TCA_ACT_STATS', 'stats', nested(statsAttributes)),
    attr(6, 'TCA_ACT_COOKIE', 'cookie', bytes),
    attr(7, 'TCA_ACT_FLAGS', 'flags', bitfield32),
    attr(8, 'TCA_ACT_HW_STATS', 'hwStats', bitfield32),
    attr(9, 'TCA_ACT_USED_HW_STATS', 'usedHwStats', bitfield32),
    attr(10, 'TCA_ACT_IN_HW_COUNT', 'inHwCount', u32),
  ]);
}

// tc sends TCA_ACT_OPTIONS with NLA_F_NESTED, and the kernel's dumps do too.
const actionTables = tablesByKind(actionTable, 'TCA_ACT_OPTIONS', 'kind', actionKindTables, true);
const actionCodec = nestedByKind(actionTables, 'kind', false);

type ActionCommon = Omit<ValuesOf<ReturnType<typeof actionTable>>, 'kind' | 'options'>;

/** One action of a filter: its position (1 runs first), kind and kind-specific options. */
export type TcAction = ActionCommon & { order: number } & (
    | { kind: 'mirred'; options?: MirredOptions }
    | { kind?: string; options?: Uint8Array }
  );

/** The attribute type an action had on the wire when it carried flag bits (NLA_F_NESTED). */
const RAW_TYPE = Symbol('netlink.actionType');

const MAX_ORDER = NLA_TYPE_MASK;

/** TCA_U32_ACT and the other action lists: TcAction[] in wire order. */
export const actionList: Codec<TcAction[]> = {
  label: 'tc action list',
  shape: 'container',
  nestedFlag: false,
  decode(src, start, end) {
    const view = src.view;
    const out: TcAction[] = [];
    let off = start;
    while (off < end) {
      const len = attributeLength(view, off, end, src, 'action', 'the action list');
      const rawType = attributeType(view, off);
      const order = rawType & NLA_TYPE_MASK;
      src.path.push(`action ${order}`);
      const action = actionCodec.decode(src, off + NLA_HDRLEN, off + len, {}) as TcAction;
      src.path.pop();
      action.order = order;
      if (rawType !== order) Object.defineProperty(action, RAW_TYPE, { value: rawType, enumerable: false });
      out.push(action);
      off += align4(len);
    }
    return out;
  },
  encode(w, value, field) {
    checkArray(value, field, 'an array of actions ({ order, kind, options })');
    value.forEach((item: unknown, i) => {
      const f = `${field}[${i}]`;
      const action = checkRecord(item, f, 'an action object') as TcAction;
      // 0 is accepted as the decoder reads it (the kernel skips an action numbered 0).
      const order = checkInteger(action.order ?? i + 1, `${f}.order`, 0, MAX_ORDER);
      const raw = (action as { [RAW_TYPE]?: number })[RAW_TYPE];
      const at = w.beginAttr(raw !== undefined && (raw & NLA_TYPE_MASK) === order ? raw : order);
      actionCodec.encode(w, action, f);
      w.endAttr(at, f);
    });
  },
};
