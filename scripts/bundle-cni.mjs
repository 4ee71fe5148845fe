#!/usr/bin/env node
// Bundles the cni-bridge executable (part of `npm run build`): dist/bundle/cni-bridge.js and the
// code it loads only for commands that touch the network, dist/bundle/cni-bridge-engine-*.js.
//
// A CNI plugin is a new process per call, and runtimes call VERSION before ADD and DEL: the
// executable must start fast. One bundle instead of ~60 ES modules spares Node resolving, reading
// and linking them one by one. The engine (everything behind lib/cni/main.ts's dynamic import of
// bridge.js) is a file of its own, so VERSION and argument errors read and compile only the small
// first file. koffi and Node's built-in modules are bound lazily (scripts/bundle-lazy.mjs); the
// netlink binding (event sockets only) stays outside.
import { build } from 'esbuild';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lazyModules } from './bundle-lazy.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
// Chunk names carry a content hash: the previous build's chunks would stay behind.
for (const file of readdirSync(outdir, { withFileTypes: true })) {
  if (file.isFile() && file.name.startsWith('cni-bridge-engine-')) rmSync(`${outdir}/${file.name}`);
}

await build({
  absWorkingDir: root,
  entryPoints: { 'cni-bridge': 'bin/cni-bridge.ts' },
  outdir,
  chunkNames: 'cni-bridge-engine-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['netlink'],
  plugins: [lazyModules],
  sourcemap: true,
  logLevel: 'warning',
});
chmodSync(`${root}dist/bundle/cni-bridge.js`, 0o755);
