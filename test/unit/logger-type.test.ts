/**
 * The Logger type is the library's own: a pino logger fits it as it is (checked by the compiler
 * here), and neither the published types nor the bundle refer to pino, which is a devDependency.
 * The package checks need the build (npm test makes it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../lib/index.js';
import { SILENT_LOGGER } from '../../lib/log.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}dist/lib/index.d.ts`) && existsSync(`${root}dist/bundle/index.js`);

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f));
}

describe('Logger', () => {
  it('is satisfied by a pino logger and its children, which receive what the library writes', () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const logger: Logger = pino({ level: 'debug' }, stream);
    const child: Logger = logger.child({ netns: 'a' });
    child.debug({ op: 'link.add', dev: 'veth0', ms: 0.5 }, 'link.add');
    child.info('namespace created');
    child.trace({ frame: 'x' }, 'not written');
    expect(child.isLevelEnabled('debug')).toBe(true);
    expect(child.isLevelEnabled('trace')).toBe(false);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ level: 20, netns: 'a', op: 'link.add', dev: 'veth0', ms: 0.5, msg: 'link.add' });
    expect(records[1]).toMatchObject({ level: 30, netns: 'a', msg: 'namespace created' });
  });

  it('defaults to one that writes nothing and says every level is off', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error'] as const) expect(SILENT_LOGGER.isLevelEnabled(level)).toBe(false);
    expect(SILENT_LOGGER.child({ netns: 'a' })).toBe(SILENT_LOGGER);
  });
});

describe.skipIf(!built)('pino stays out of the package', () => {
  it('the published types do not refer to it', () => {
    const refs = files(`${root}dist`, '.d.ts').filter((f) => /from ['"]pino['"]|import\(['"]pino['"]\)/.test(readFileSync(f, 'utf8')));
    expect(refs).toEqual([]);
  });

  it('the bundle does not import it', () => {
    const refs = [...files(`${root}dist/bundle`, '.js'), ...files(`${root}dist/bundle`, '.cjs')].filter((f) => /['"]pino['"]/.test(readFileSync(f, 'utf8')));
    expect(refs).toEqual([]);
  });

  it('package.json has it among the devDependencies only', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('pino');
    expect(Object.keys(pkg.devDependencies)).toContain('pino');
  });
});
