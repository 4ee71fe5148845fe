#!/usr/bin/env node
// Bundles the cni-bridge executable into one file, dist/bundle/cni-bridge.js (part of `npm run build`).
//
// A CNI plugin is a new process per container. Loaded from dist/ as about 60 ES modules, Node 20
// spends most of its start-up resolving, reading and linking them one by one; as one file, an
// ADD with masquerade took 161 ms instead of 228 ms (median of 8, the same machine and run).
// The code is the same as dist/'s: only koffi (a native addon), the netlink binding (native, and
// loaded only by event sockets) and pino (loaded only when a logger is passed) stay outside.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/bundle/cni-bridge.js`;

await build({
  absWorkingDir: root,
  entryPoints: ['bin/cni-bridge.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', 'netlink', 'pino'],
  sourcemap: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
