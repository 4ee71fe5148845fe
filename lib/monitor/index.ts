export { DEFAULT_MONITOR_RECEIVE_BUFFER, Monitor, MonitorSyncError, type MonitorOptions } from './monitor.js';
export { MONITOR_GROUPS, REPLAYABLE_GROUPS, type MonitorGroup, type ReplayableGroup } from './groups.js';
export type {
  AddressEvent, LinkEvent, MessageEvent, MonitorAction, MonitorEvent, NeighborEvent, NsidEvent, ObjectEvent, OverrunEvent, ResyncEvent, RouteEvent, SyncedEvent,
} from './events.js';
