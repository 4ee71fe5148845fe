/**
 * The Rust peer (bench/peers/rust-rtnetlink): Rust's rtnetlink crate as Debian packages it
 * (librust-rtnetlink-dev), built by the benchmark run with cargo, offline, from the directory
 * source Debian's crates live in. The sources are copied (timestamps kept, so cargo rebuilds only
 * what changed) into a build folder under dist/ that also holds the cargo configuration and the
 * lock file: nothing is written to the repository or to the user's cargo configuration.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './common.js';

export const CARGO_REGISTRY = '/usr/share/cargo/registry';
export const RUST_PACKAGES = ['cargo', 'librust-rtnetlink-dev', 'librust-rtnetlink+tokio-socket-dev'];

const SOURCES = join(ROOT, 'bench/peers/rust-rtnetlink');

export function hasCargo(): boolean {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The packaged crate's version ("0.10.1"), or undefined when Debian's rtnetlink sources are absent. */
export function rtnetlinkCrate(): string | undefined {
  if (!existsSync(CARGO_REGISTRY)) return undefined;
  const dir = readdirSync(CARGO_REGISTRY).find((d) => /^rtnetlink-\d/.test(d));
  return dir?.slice('rtnetlink-'.length);
}

/** Builds the Rust peer into `buildDir`; returns the binary, or why it is skipped. */
export function buildRustPeer(buildDir: string): { path: string; version: string } | { missing: string } {
  if (!hasCargo()) return { missing: 'no `cargo` (apt-get install cargo)' };
  const version = rtnetlinkCrate();
  if (!version) return { missing: `no rtnetlink crate in ${CARGO_REGISTRY} (apt-get install ${RUST_PACKAGES.slice(1).join(' ')})` };
  mkdirSync(join(buildDir, '.cargo'), { recursive: true });
  cpSync(join(SOURCES, 'Cargo.toml'), join(buildDir, 'Cargo.toml'), { preserveTimestamps: true });
  cpSync(join(SOURCES, 'src'), join(buildDir, 'src'), { recursive: true, preserveTimestamps: true });
  writeFileSync(
    join(buildDir, '.cargo/config.toml'),
    `[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "${CARGO_REGISTRY}"\n\n[net]\noffline = true\n`,
  );
  const r = spawnSync('cargo', ['build', '--release', '--offline', '--quiet'], { cwd: buildDir, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = (r.error?.message ?? String(r.stderr)).trim().split('\n').filter(Boolean).slice(-3).join(' / ');
    return { missing: `cargo build failed in ${buildDir}: ${why}` };
  }
  return { path: join(buildDir, 'target/release/rust-rtnetlink'), version };
}
