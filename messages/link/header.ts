import { fixedHeader } from '../fixed-header.js';

/** struct ifinfomsg (<linux/rtnetlink.h>): 16 bytes, the fixed header of every link message. */
export const ifinfomsg = fixedHeader('ifinfomsg', [
  ['family', 'u8'],
  ['pad', 'pad8'], // __ifi_pad
  ['type', 'u16'], // ARPHRD_*
  ['index', 's32'],
  ['flags', 'u32'], // IFF_*
  ['change', 'u32'], // IFF_* mask of flags to change
]);

/** The fields of struct ifinfomsg, named as the C struct names them without the ifi_ prefix. */
export interface IfinfoHeader {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}
