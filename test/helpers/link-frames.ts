import type { LinkState } from '../../lib/rtnl/links.js';
import { RTM_NEWLINK } from '../../messages/constants.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { decodeMessages, type LinkMessage, type NetlinkMessage } from '../../messages/message.js';
import { splitFrames } from './codec-checks.js';
import { loadFixtures } from './fixtures.js';

/** Every RTM_NEWLINK frame in the captured fixtures, each on its own, with its decoded message. */
export function linkFrames(): Array<{ name: string; frame: Uint8Array; message: LinkMessage }> {
  const out: Array<{ name: string; frame: Uint8Array; message: LinkMessage }> = [];
  for (const fixture of loadFixtures()) {
    if (fixture.group === 'nftables') continue;
    splitFrames(fixture.bytes).forEach((frame, i) => {
      let message: NetlinkMessage | undefined;
      try {
        [message] = decodeMessages(frame);
      } catch {
        return;
      }
      if (message?.kind === 'link' && message.type === RTM_NEWLINK) out.push({ name: `${fixture.name}#${i}`, frame, message });
    });
  }
  return out;
}

/**
 * Runs `check` on damaged copies of every frame: each cut every `step` bytes (nlmsg_len set to the
 * cut's length), then `changes` copies with 3 of their first 400 bytes set at random (a generator
 * seeded with `seed`). Returns how many outcomes were errors (objects with an `error` key).
 */
export function checkDamagedFrames(frames: Array<{ frame: Uint8Array }>, step: number, changes: number, seed: number, check: (frame: Uint8Array) => object): number {
  let state = seed;
  const random = (): number => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let errors = 0;
  const count = (frame: Uint8Array): void => {
    if ('error' in check(frame)) errors++;
  };
  for (const { frame } of frames) {
    for (let n = 0; n < frame.length; n += step) {
      const cut = frame.slice(0, n);
      if (n >= 4) new DataView(cut.buffer).setUint32(0, n, true);
      count(cut);
    }
    for (let i = 0; i < changes; i++) {
      const mutated = frame.slice();
      for (let k = 0; k < 3; k++) mutated[Math.floor(random() * Math.min(mutated.length, 400))] = Math.floor(random() * 256);
      count(mutated);
    }
  }
  return errors;
}

/** A LinkState's keys and fields but raw (which may throw when read), or the NetlinkDecodeError reading it threw. */
export type Outcome = { state: LinkState; keys: string[]; fields: Record<string, unknown> } | { error: string; path: string; offset: number };

export function linkOutcome(read: () => LinkState): Outcome {
  try {
    const state = read();
    const keys = Object.keys(state);
    const fields: Record<string, unknown> = {};
    for (const key of keys) if (key !== 'raw') fields[key] = state[key as keyof LinkState];
    return { state, keys, fields };
  } catch (error) {
    if (!(error instanceof NetlinkDecodeError)) throw error;
    return { error: error.message, path: error.path, offset: error.offset };
  }
}
