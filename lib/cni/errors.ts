/**
 * CNI error results (spec section 5, "Error"): a numeric code, a short message and details.
 * Codes below 100 are the spec's; 999 is what the reference plugins use for internal errors.
 */
import { NetnsRtnlError } from '../errors.js';
import { replyVersion } from './versions.js';

/** The spec's error codes by name (`CNI_ERRORS.INVALID_NETWORK_CONFIG` is 7). */
export const CNI_ERRORS = {
  INCOMPATIBLE_CNI_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENVIRONMENT_VARIABLES: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  PLUGIN_NOT_AVAILABLE: 50,
  LIMITED_CONNECTIVITY: 51,
  INTERNAL: 999,
} as const;

/** One of CNI_ERRORS' codes, or another number (100 and above are a plugin's own). */
export type CniErrorCode = (typeof CNI_ERRORS)[keyof typeof CNI_ERRORS] | number;

/** The error JSON a plugin prints on stdout (with a non-zero exit status). */
export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

/**
 * A failed CNI operation; `toJSON()` is the spec's error result. `cniCode` is the spec's number
 * (7 for a bad network configuration); `code` is 'ERR_CNI', as for every CNI error.
 */
export class CniError extends NetnsRtnlError {
  override readonly name = 'CniError';
  readonly code = 'ERR_CNI';
  constructor(
    readonly cniCode: CniErrorCode,
    readonly msg: string,
    readonly details?: string,
    options?: { cause?: unknown },
  ) {
    super(details ? `${msg}: ${details}` : msg, options);
  }

  /** The spec's error result (`{ cniVersion, code, msg, details }`), what the executable prints. */
  toJSON(cniVersion?: string): CniErrorJson {
    const out: CniErrorJson = cniVersion ? { cniVersion, code: this.cniCode, msg: this.msg } : { code: this.cniCode, msg: this.msg };
    if (this.details) out.details = this.details;
    return out;
  }

  /** Any thrown value as a CniError: CniErrors pass through, anything else is internal (999). */
  static from(error: unknown, prefix?: string): CniError {
    if (error instanceof CniError) return error;
    return CniError.wrap(CNI_ERRORS.INTERNAL, prefix, error);
  }

  /** A CniError whose msg is `prefix: ` and the message of `error`, which becomes its `cause`. */
  static wrap(cniCode: CniErrorCode, prefix: string | undefined, error: unknown): CniError {
    const text = error instanceof Error ? error.message : String(error);
    return new CniError(cniCode, prefix ? `${prefix}: ${text}` : text, undefined, { cause: error });
  }
}

/** What the command line writes for a failed call: the error result as JSON, in the reply version of the configuration's `cniVersion`. */
export function errorAnswer(error: unknown, cniVersion: string | undefined): string {
  return `${JSON.stringify(CniError.from(error).toJSON(replyVersion(cniVersion)), null, 4)}\n`;
}
