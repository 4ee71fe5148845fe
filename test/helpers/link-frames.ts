import { RTM_NEWLINK } from '../../messages/constants.js';
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
