#!/usr/bin/env node
// Writes messages/struct-codecs.ts: the decoder and encoder of every struct the package declares
// (messages/struct.ts), as plain TypeScript, so that they are part of the bundle and of its code
// cache instead of code made with `new Function` in every process (messages/struct-source.ts).
// Run it after changing a struct declaration; test/unit/struct.test.ts fails until it has run.
//
// The declarations are TypeScript: esbuild bundles every module of messages/ into one ES module in
// memory, which is run from a data: URL (messages/ imports only its own files and struct-fu,
// which is bundled with them), and that module renders the file from the shapes declared. The
// file being written is left out of that bundle (a module with no written codecs in its place), so
// that a stale or broken one never stands in the way of writing it again.
import { build } from 'esbuild';
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = 'messages/struct-codecs.ts';
const modules = readdirSync(`${root}messages`, { recursive: true })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort()
  .map((file) => `./messages/${file}`);
const contents = [
  ...modules.map((file) => `import ${JSON.stringify(file)};`),
  `import { declaredStructShapes } from './messages/struct.ts';`,
  `import { structCodecsModule } from './messages/struct-source.ts';`,
  `export default structCodecsModule(declaredStructShapes());`,
].join('\n');
const result = await build({
  absWorkingDir: root,
  stdin: { contents, resolveDir: root, sourcefile: 'generate-struct-codecs', loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  logLevel: 'warning',
  plugins: [
    {
      name: 'without-written-codecs',
      setup(b) {
        b.onLoad({ filter: /messages\/struct-codecs\.ts$/ }, () => ({ contents: 'export function writtenStructCodec() { return undefined; }', loader: 'js' }));
      },
    },
  ],
});
const { default: text } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
writeFileSync(`${root}${OUT}`, text);
console.log(`${OUT}: ${text.split('\n').length} lines`);
