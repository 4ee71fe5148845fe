import { fstatSync, readSync } from 'node:fs';

/** The whole of the open file `fd` (from its start), read into `buffer(size)`: a view of that buffer's first bytes. */
export function readWhole(fd: number, buffer: (size: number) => Buffer): Buffer {
  const size = fstatSync(fd).size;
  const into = buffer(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, into, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return into.subarray(0, done);
}
