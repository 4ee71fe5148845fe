import * as C from '../struct.js';

/** struct ifinfomsg (<linux/rtnetlink.h>): 16 bytes, the fixed header of every link message. */
export const ifinfomsg = C.struct(
  'ifinfomsg',
  [
    C.u8('family'),
    C.pad('pad', 1), // __ifi_pad
    C.u16('type'), // ARPHRD_*
    C.s32('index'),
    C.u32('flags'), // IFF_*
    C.u32('change'), // IFF_* mask of flags to change
  ],
  { zeroAbsent: true },
);

/** The fields of struct ifinfomsg, named as the C struct names them without the ifi_ prefix. */
export interface IfinfoHeader {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}
