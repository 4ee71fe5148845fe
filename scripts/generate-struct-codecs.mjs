#!/usr/bin/env node
// Writes messages/struct-codecs.ts and messages/struct-codecs-later.ts: the decoder and encoder of
// every struct the package declares (messages/struct.ts), as plain TypeScript, so that they are part
// of the bundle and of its code cache instead of code made with `new Function` in every process
// (messages/struct-source.ts); the structs only the package's lazily loaded part declares in the
// second file (scripts/later-structs.mjs), which that part holds. Run it after changing a struct
// declaration; test/unit/struct.test.ts fails until it has run.
//
// The declarations are TypeScript: esbuild bundles every module of messages/ into one ES module in
// memory, which is run from a data: URL (messages/ imports only its own files and struct-fu,
// which is bundled with them), and that module renders the files from the shapes declared. The
// files being written are left out of that bundle (modules with no written codecs in their place), so
// that a stale or broken one never stands in the way of writing them again.
import { build } from 'esbuild';
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { laterStructNames } from './later-structs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = 'messages/struct-codecs.ts';
const LATER_OUT = 'messages/struct-codecs-later.ts';
const modules = readdirSync(`${root}messages`, { recursive: true })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort()
  .map((file) => `./messages/${file}`);
const contents = [
  ...modules.map((file) => `import ${JSON.stringify(file)};`),
  `import { declaredStructShapes } from './messages/struct.ts';`,
  `import { structCodecsModules } from './messages/struct-source.ts';`,
  `export default structCodecsModules(declaredStructShapes(), new Set(${JSON.stringify([...laterStructNames(root)])}));`,
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
        b.onLoad({ filter: /messages\/struct-codecs-later\.ts$/ }, () => ({ contents: 'export function laterStructCodec() { return undefined; }', loader: 'js' }));
      },
    },
  ],
});
const { default: text } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
for (const [file, module] of [[OUT, text.written], [LATER_OUT, text.later]]) {
  writeFileSync(`${root}${file}`, module);
  console.log(`${file}: ${module.split('\n').length} lines`);
}
