/**
 * Under a real runtime: `podman run --rm --network NET IMAGE /bin/true` with Podman's CNI backend,
 * NET a one-plugin network of the reference bridge plugin or of cni-bridge (under each Node line),
 * beside `--network none` (the runtime's own cost). Podman runs the plugin four times per
 * container: VERSION, ADD, VERSION, DEL (the last two from its cleanup process). Timed from outside,
 * like a user would; then a few runs with the plugin behind bench/peers/cni-timer (built with the
 * Go peer), which logs every call.
 *
 * Everything Podman keeps lives in a temporary directory (its own containers.conf and storage.conf:
 * vfs storage, cgroupfs, crun), the image is a tiny root filesystem (/bin/true and its libc) made
 * with `podman import`, and the benchmark's private network + mount namespace holds the bridges.
 * Each network has a configuration directory of its own: Podman checks every network file it finds
 * (by running each plugin's VERSION) on every command, which would charge one plugin's start to the
 * others' runs. crun refuses the host's hybrid cgroup layout while the cgroup2 `unified` mount is
 * there: it is detached inside this private mount namespace only. Skipped with one line without
 * podman or crun.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { now, ROOT, Rows, sh, type NodeLine, type Row, type Setup } from './common.js';
import { CLEAN_ENV } from './start.js';

const W = 'Podman 4 with its CNI backend: `podman run --rm --network NET tiny /bin/true` (ms per container)';
const CALLS = 'Podman 4: each plugin call of one `podman run --rm` (ms, process start included, timed by bench/peers/cni-timer)';
const IMAGE = 'localhost/netns-rtnl-bench-tiny:latest';
const LIBC = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'];
const PLUGINS = { bridge: '/usr/lib/cni/bridge', 'cni-bridge': join(ROOT, 'dist/bundle/cni-bridge.cjs') } as const;
type PluginType = keyof typeof PLUGINS;

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A Podman configuration that sees one network (or none): its environment and the network's name. */
interface Net {
  name: string;
  env: NodeJS.ProcessEnv;
  /** The timed variant's plugin directory, holding the call log. */
  calls?: string;
}

class Box {
  readonly dir = mkdtempSync(join(tmpdir(), 'bench-podman-'));
  #n = 0;

  constructor() {
    const root = join(this.dir, 'rootfs');
    for (const file of ['/bin/true', ...LIBC]) {
      mkdirSync(join(root, dirname(file)), { recursive: true });
      copyFileSync(file, join(root, file));
    }
    chmodSync(join(root, '/bin/true'), 0o755);
    writeFileSync(join(this.dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${this.dir}/graph"\nrunroot = "${this.dir}/run"\n`);
    sh('tar', ['-C', root, '-cf', join(this.dir, 'rootfs.tar'), '.']);
    sh('podman', ['import', join(this.dir, 'rootfs.tar'), IMAGE], { env: this.net(undefined).env });
  }

  /**
   * A network of one plugin (undefined: no network file at all), in a configuration of its own. As
   * installed, the executable's `#!/usr/bin/env node` takes the Node line first on PATH. `timer`
   * puts the plugin behind cni-timer.
   */
  net(type: PluginType | undefined, timer?: string): Net {
    const n = this.#n++;
    const base = join(this.dir, `net${n}`);
    const plugins = join(base, 'plugins');
    const netd = join(base, 'net.d');
    mkdirSync(plugins, { recursive: true });
    mkdirSync(netd);
    symlinkSync('/usr/lib/cni/host-local', join(plugins, 'host-local'));
    const name = `bench-net${n}`;
    if (type) {
      if (timer) {
        symlinkSync(timer, join(plugins, type));
        symlinkSync(PLUGINS[type], join(plugins, `${type}.real`));
      } else {
        symlinkSync(PLUGINS[type], join(plugins, type));
      }
      const plugin = { type, bridge: `pm-br${n}`, isGateway: true, ipam: { type: 'host-local', subnet: `10.${130 + n}.0.0/16`, dataDir: join(base, 'ipam') } };
      writeFileSync(join(netd, `${name}.conflist`), JSON.stringify({ cniVersion: '1.0.0', name, plugins: [plugin] }));
    }
    // The ulimits: Podman's defaults ask for more than this sandbox's hard limits allow (crun: EPERM).
    writeFileSync(
      join(base, 'containers.conf'),
      `[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n` +
        `[engine]\ncgroup_manager = "cgroupfs"\nruntime = "crun"\nevents_logger = "none"\ntmp_dir = "${this.dir}/tmp"\n` +
        `[network]\nnetwork_backend = "cni"\ncni_plugin_dirs = ["${plugins}"]\nnetwork_config_dir = "${netd}"\n`,
    );
    const env = { ...CLEAN_ENV, CONTAINERS_CONF: join(base, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(this.dir, 'storage.conf') };
    return { name: type ? name : 'none', env, ...(timer ? { calls: join(plugins, 'cni-calls.log') } : {}) };
  }

  close(): void {
    spawnSync('podman', ['rm', '-a', '-f'], { env: this.net(undefined).env, stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function podmanRun(net: Net, node?: NodeLine): number {
  const env = node ? { ...net.env, PATH: `${dirname(node.path)}:${net.env.PATH}` } : net.env;
  const t0 = now();
  sh('podman', ['run', '--rm', '--network', net.name, IMAGE, '/bin/true'], { env });
  return now() - t0;
}

/** One `podman run` through the timer: a row per plugin call, in the order Podman made them. */
function timedRun(rows: Rows, net: Net, tool: string, node?: NodeLine, role?: 'go'): void {
  rmSync(net.calls!, { force: true });
  podmanRun(net, node);
  const seen = new Map<string, number>();
  for (const line of readFileSync(net.calls!, 'utf8').trim().split('\n')) {
    const [command = '?', ms = 'NaN', status = '?'] = line.split(' ');
    if (status !== '0') throw new Error(`podman: ${tool} ${command} exited ${status}`);
    const n = (seen.get(command) ?? 0) + 1;
    seen.set(command, n);
    rows.add({ workload: CALLS, op: n > 1 ? `${command} (call ${n})` : command, tool, times: [Number(ms)], ...(node ? { node } : {}), ...(role ? { role } : {}) });
  }
}

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const missing = ['podman', 'crun'].filter((c) => !have(c));
  if (missing.length) {
    log(`podman: ${missing.join(', ')} missing (apt-get install podman): skipped`);
    return [];
  }
  // crun and the hybrid cgroup layout: see above. Only this private mount namespace sees it.
  if (existsSync('/sys/fs/cgroup/unified')) spawnSync('umount', ['-l', '/sys/fs/cgroup/unified'], { stdio: 'ignore' });
  const box = new Box();
  const rows = new Rows();
  try {
    const nets = { none: box.net(undefined), ref: box.net('bridge'), ours: box.net('cni-bridge') };
    const timed = s.cniTimer ? { ref: box.net('bridge', s.cniTimer), ours: box.net('cni-bridge', s.cniTimer) } : undefined;
    const add = (tool: string, times: number[], extra: Partial<Row> = {}) => rows.add({ workload: W, op: 'podman run --rm … /bin/true', tool, times, ...extra });
    for (let round = 1; round <= s.rounds; round++) {
      log(`podman round ${round}`);
      for (let i = 0; i < s.podmanRuns; i++) {
        add('--network none', [podmanRun(nets.none)], { note: 'no CNI plugin: the runtime alone' });
        add('reference bridge plugin (Go)', [podmanRun(nets.ref)], { role: 'go' });
        for (const node of s.nodes) add('cni-bridge', [podmanRun(nets.ours, node)], { node });
      }
      if (timed) {
        for (let i = 0; i < Math.max(1, Math.round(s.podmanRuns / 3)); i++) {
          timedRun(rows, timed.ref, 'reference bridge plugin (Go)', undefined, 'go');
          for (const node of s.nodes) timedRun(rows, timed.ours, 'cni-bridge', node);
        }
      }
    }
  } finally {
    box.close();
  }
  return rows.list;
}
