export type { Actor, ConversationEventName, DeskqlEvents, EventName, EventPayload } from './events.js';
export { conversationEventNames } from './events.js';
