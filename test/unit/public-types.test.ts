/**
 * The published types (the .d.ts files the build emits, stripInternal) do not reach the sockets the
 * object model talks through: a change made on them would bypass the checks and the words of the
 * methods. Needs the build (npm test makes it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}dist/lib/index.d.ts`);

describe.skipIf(!built)('published types', () => {
  it.each(['dist/lib/rtnl/client.d.ts', 'dist/lib/nat/nftables.d.ts'])('%s has no connection property', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    expect(text).toMatch(/export declare class (Rtnl|Nftables)/);
    expect(text).not.toMatch(/^\s*(readonly\s+)?connection\s*:/m);
  });
});
