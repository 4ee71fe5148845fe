/**
 * Under a real runtime: `podman run --rm --network NET IMAGE /bin/true` with Podman's CNI backend,
 * NET a one-plugin network of the reference bridge plugin or of cni-bridge (under each Node line),
 * beside `--network none` (the runtime's own cost). Podman runs the plugin four times per
 * container: VERSION, ADD, VERSION, DEL. Timed from outside, like a user would.
 *
 * Everything Podman keeps lives in a temporary directory (its own containers.conf and storage.conf:
 * vfs storage, cgroupfs, crun), the image is a tiny root filesystem (/bin/true and its libc) made
 * with `podman import`, and the benchmark's private network + mount namespace holds the bridges.
 * crun refuses the host's hybrid cgroup layout while the cgroup2 `unified` mount is there: it is
 * detached inside this private mount namespace only. Skipped with one line without podman or crun.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { now, ROOT, Rows, sh, type NodeLine, type Row, type Setup } from './common.js';
import { CLEAN_ENV } from './start.js';

const W = 'Podman 4 with its CNI backend: `podman run --rm --network NET tiny /bin/true` (ms per container)';
const IMAGE = 'localhost/netns-rtnl-bench-tiny:latest';
const LIBC = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'];

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

interface Box {
  dir: string;
  env: NodeJS.ProcessEnv;
}

function setUp(): Box {
  const dir = mkdtempSync(join(tmpdir(), 'bench-podman-'));
  const root = join(dir, 'rootfs');
  for (const file of ['/bin/true', ...LIBC]) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  chmodSync(join(root, '/bin/true'), 0o755);
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins);
  symlinkSync('/usr/lib/cni/bridge', join(plugins, 'bridge'));
  symlinkSync('/usr/lib/cni/host-local', join(plugins, 'host-local'));
  // As installed: the executable's `#!/usr/bin/env node` finds the Node line first on PATH.
  symlinkSync(join(ROOT, 'dist/bundle/cni-bridge.js'), join(plugins, 'cni-bridge'));
  const netd = join(dir, 'net.d');
  mkdirSync(netd);
  for (const [name, type, n] of [['bench-ref', 'bridge', 0], ['bench-ours', 'cni-bridge', 1]] as const) {
    const plugin = { type, bridge: `pm-br${n}`, isGateway: true, ipam: { type: 'host-local', subnet: `10.${126 + n}.0.0/16`, dataDir: join(dir, `ipam${n}`) } };
    writeFileSync(join(netd, `${name}.conflist`), JSON.stringify({ cniVersion: '1.0.0', name, plugins: [plugin] }));
  }
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/graph"\nrunroot = "${dir}/run"\n`);
  // The ulimits: Podman's defaults ask for more than this sandbox's hard limits allow (crun: EPERM).
  writeFileSync(
    join(dir, 'containers.conf'),
    `[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n` +
      `[engine]\ncgroup_manager = "cgroupfs"\nruntime = "crun"\nevents_logger = "none"\ntmp_dir = "${dir}/tmp"\n` +
      `[network]\nnetwork_backend = "cni"\ncni_plugin_dirs = ["${plugins}"]\nnetwork_config_dir = "${netd}"\n`,
  );
  const env = { ...CLEAN_ENV, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  sh('tar', ['-C', root, '-cf', join(dir, 'rootfs.tar'), '.']);
  sh('podman', ['import', join(dir, 'rootfs.tar'), IMAGE], { env });
  return { dir, env };
}

function podmanRun(box: Box, network: string, node?: NodeLine): number {
  const env = node ? { ...box.env, PATH: `${dirname(node.path)}:${box.env.PATH}` } : box.env;
  const t0 = now();
  sh('podman', ['run', '--rm', '--network', network, IMAGE, '/bin/true'], { env });
  return now() - t0;
}

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const missing = ['podman', 'crun'].filter((c) => !have(c));
  if (missing.length) {
    log(`podman: ${missing.join(', ')} missing (apt-get install podman): skipped`);
    return [];
  }
  // crun and the hybrid cgroup layout: see above. Only this private mount namespace sees it.
  if (existsSync('/sys/fs/cgroup/unified')) spawnSync('umount', ['-l', '/sys/fs/cgroup/unified'], { stdio: 'ignore' });
  const box = setUp();
  const rows = new Rows();
  try {
    const add = (tool: string, times: number[], extra: Partial<Row> = {}) => rows.add({ workload: W, op: 'podman run --rm … /bin/true', tool, times, ...extra });
    for (let round = 1; round <= s.rounds; round++) {
      log(`podman round ${round}`);
      for (let i = 0; i < s.podmanRuns; i++) {
        add('--network none', [podmanRun(box, 'none')], { note: 'no CNI plugin: the runtime alone' });
        add('reference bridge plugin (Go)', [podmanRun(box, 'bench-ref')], { role: 'go' });
        for (const node of s.nodes) add('cni-bridge', [podmanRun(box, 'bench-ours', node)], { node });
      }
    }
  } finally {
    spawnSync('podman', ['rm', '-a', '-f'], { env: box.env, stdio: 'ignore' });
    rmSync(box.dir, { recursive: true, force: true });
  }
  return rows.list;
}
