import { RTM_NEWLINK } from '../../messages/constants.js';
import { linkStateOfFrame, type LinkState } from './links.js';

/**
 * The link a creation's echo carries (NLM_F_ECHO), when it is one RTM_NEWLINK of `name`; else
 * undefined, and the caller looks the link up. Shared by the veth and bridge creations.
 */
export function echoedLink(echoed: Uint8Array[], name: string): LinkState | undefined {
  if (echoed.length !== 1) return undefined;
  const frame = echoed[0]!;
  if (frame.length < 16 || (frame[4]! | (frame[5]! << 8)) !== RTM_NEWLINK) return undefined;
  const state = linkStateOfFrame(frame);
  return state.name === name ? state : undefined;
}
