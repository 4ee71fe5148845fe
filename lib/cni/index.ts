export { attachContainer, checkContainer, detachContainer, gcNetwork, networkStatus, natOwner, type AttachOptions, type ConfigInput, type DetachOptions, type GcOptions } from './bridge.js';
export { parseBridgeConfig, type BridgeConfig, type BridgeNetConf } from './config.js';
export { CNI_ERRORS, CniError, type CniErrorCode, type CniErrorJson } from './errors.js';
export { main as cniMain, type MainIo } from './main.js';
export type { NetnsLike } from './bridge.js';
export { LATEST_VERSION, SUPPORTED_VERSIONS, resultFromJson, resultToJson, type CniDns, type CniInterface, type CniIpConfig, type CniResult, type CniRoute } from './types.js';
