/**
 * What the plugin's command line checks before it runs a command: the CNI_* variables the command
 * needs and the network configuration. lib/cni/main.ts runs these checks; the cni-bridge
 * executable runs them too before it starts a DEL's deletion ahead of the engine, so that a call
 * the command line refuses changes nothing.
 */
import { CNI_ERRORS, CniError } from './errors.js';
import { checkContainerId, checkIfname, parseBridgeConfig, type BridgeConfig } from './config.js';
import { checkVersion, compareVersions } from './types.js';

/** Which CNI_* each command needs (the reference skel's table, with GC and STATUS from 1.1.0). */
const REQUIRED: Record<string, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

/** Throws CniError for an unknown CNI_COMMAND or a CNI_* variable the command needs and lacks. */
export function checkEnvironment(command: string, env: NodeJS.ProcessEnv): void {
  const required = REQUIRED[command];
  if (!required) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, `unknown CNI_COMMAND: ${command}`);
  const missing = required.filter((name) => !env[name]);
  if (missing.length) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT_VARIABLES, `required env variables [${missing.join(',')}] missing`);
}

/** The configuration of any command but VERSION, checked with the CNI_* it goes with; throws CniError. */
export function checkedConfig(command: string, env: NodeJS.ProcessEnv, stdin: Buffer): BridgeConfig {
  const n = parseBridgeConfig(stdin, env.CNI_ARGS);
  if (command === 'ADD' || command === 'CHECK' || command === 'DEL') {
    checkContainerId(env.CNI_CONTAINERID!);
    checkIfname(env.CNI_IFNAME!);
  }
  checkVersion(n.cniVersion);
  if (command === 'CHECK' && compareVersions(n.cniVersion, '0.4.0') < 0) throw new CniError(CNI_ERRORS.INCOMPATIBLE_CNI_VERSION, 'config version does not allow CHECK');
  if ((command === 'GC' || command === 'STATUS') && compareVersions(n.cniVersion, '1.1.0') < 0) {
    throw new CniError(CNI_ERRORS.INCOMPATIBLE_CNI_VERSION, `config version does not allow ${command}`);
  }
  return n;
}
