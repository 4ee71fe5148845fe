/**
 * The spec versions this plugin speaks and the VERSION command's answer. No imports: the
 * cni-bridge executable answers VERSION from this file alone (bin/cni-bridge.ts).
 */

/** The spec versions this plugin speaks, oldest first (VERSION reports them). */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
/** The newest spec version: results are written in it unless the configuration asks for another. */
export const LATEST_VERSION = '1.1.0';

export function isSupportedVersion(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** The configuration's cniVersion, if it is JSON with a non-empty string there. */
export function configVersion(stdin: Buffer): string | undefined {
  try {
    const v = (JSON.parse(stdin.toString('utf8')) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The version a reply is written in: the configuration's if we speak it, else the latest. */
export function replyVersion(cniVersion: string | undefined): string {
  return cniVersion && isSupportedVersion(cniVersion) ? cniVersion : LATEST_VERSION;
}

/** VERSION's answer, a line of JSON: the reply version for the configuration's cniVersion, and every version we speak. */
export function versionAnswer(cniVersion: string | undefined): string {
  return `${JSON.stringify({ cniVersion: replyVersion(cniVersion), supportedVersions: SUPPORTED_VERSIONS })}\n`;
}
