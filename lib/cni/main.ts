/**
 * The plugin's command line: reads CNI_* from the environment and the configuration from stdin,
 * runs the command, writes the result (or the error JSON) to stdout, and gives the exit status.
 * Kept apart from the executable so that it can be tested with a fake environment.
 */
import { attach, checkContainer, detach, gcNetwork, networkStatus } from './bridge.js';
import { CNI_ERRORS, CniError, errorAnswer } from './errors.js';
import { checkEnvironment, checkedConfig } from './command.js';
import { callOptions } from './cni-env.js';
import type { Started } from './first-stage.js';
import { resultToJson } from './types.js';
import { SUPPORTED_VERSIONS, configVersion, versionAnswer } from './versions.js';

/** What cniMain reads and writes: the process's environment and streams, or a test's stand-ins. */
export interface MainIo {
  /** CNI_COMMAND, CNI_NETNS, CNI_IFNAME, CNI_CONTAINERID, CNI_ARGS, CNI_PATH ... */
  env: NodeJS.ProcessEnv;
  /** The network configuration (JSON), read to its end. */
  stdin: () => Promise<Buffer>;
  /** The result, or the error result. */
  stdout: (text: string) => void;
  /** Diagnostics for a person. */
  stderr: (text: string) => void;
}

const ABOUT = 'CNI bridge plugin (netns-rtnl)';

/** Runs one command; resolves with the exit status (0 on success). */
export function main(io: MainIo): Promise<number> {
  return run(io, undefined);
}

/**
 * main, for the cni-bridge executable: what it `started` before loading the engine
 * (lib/cni/first-stage.ts), a DEL's deletion or an ADD's IPAM reservation, is taken up.
 */
export function mainAfterFirstStage(io: MainIo, started: Started): Promise<number> {
  return run(io, started);
}

async function run(io: MainIo, started: Started | undefined): Promise<number> {
  const env = io.env;
  const command = env.CNI_COMMAND ?? '';
  let stdin: Buffer = Buffer.alloc(0);
  let cniVersion: string | undefined;
  try {
    if (command === '') {
      io.stderr(`${ABOUT}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`);
      return 0;
    }
    checkEnvironment(command, env);
    try {
      stdin = await io.stdin();
    } catch (error) {
      throw CniError.wrap(CNI_ERRORS.IO_FAILURE, `error reading from stdin`, error);
    }
    cniVersion = configVersion(stdin);

    if (command === 'VERSION') {
      io.stdout(versionAnswer(cniVersion));
      return 0;
    }

    const n = checkedConfig(command, env, stdin);

    const call = callOptions(env);
    switch (command) {
      case 'ADD': {
        const result = await attach(n, { ...call, netns: env.CNI_NETNS! }, started?.reservation);
        io.stdout(`${JSON.stringify(resultToJson(result, n.cniVersion), null, 4)}\n`);
        return 0;
      }
      case 'DEL':
        await detach(n, call, started?.deletion);
        return 0;
      case 'CHECK':
        await checkContainer(n, { ...call, netns: env.CNI_NETNS! });
        return 0;
      case 'GC':
        await gcNetwork(n, { cniPath: call.cniPath });
        return 0;
      case 'STATUS':
        await networkStatus(n, { cniPath: call.cniPath });
        return 0;
    }
    return 0;
  } catch (error) {
    io.stdout(errorAnswer(error, cniVersion));
    return 1;
  }
}
