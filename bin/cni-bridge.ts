#!/usr/bin/env node
/**
 * cni-bridge: a CNI plugin (spec 1.0.0 / 1.1.0) compatible with the reference `bridge` plugin,
 * built on netns-rtnl. Install it on the runtime's CNI_PATH (e.g. /opt/cni/bin/cni-bridge) and
 * name it in a network configuration as "type": "cni-bridge".
 */
import { main } from '../lib/cni/main.js';

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (d: Buffer) => chunks.push(d));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

const status = await main({
  env: process.env,
  stdin: readStdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = status;
