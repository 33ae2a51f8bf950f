export type { Actor, ConversationEventName, ConversationStatus, DeskqlEvents, EventName, EventPayload, Priority } from './events.js';
export { conversationEventNames } from './events.js';
export { eventCatalog, eventNames, isEventName } from './event-catalog.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export { globalId, parseGlobalId, sameId } from './ids.js';
export {
  definePlugin,
  pluginNamePattern,
  PluginActionError,
  type AgentInfo,
  type AnyPlugin,
  type ConversationInfo,
  type EmailAddress,
  type EventHandler,
  type JsonValue,
  type MessageInfo,
  type Plugin,
  type PluginActionErrorCode,
  type PluginActions,
  type PluginContext,
  type PluginLogger,
  type PluginReads,
  type PluginSetupContext,
  type PluginStore,
  type StoreWriteOptions,
} from './define-plugin.js';
