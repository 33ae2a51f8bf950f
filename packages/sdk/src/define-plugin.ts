import type { ConversationStatus, DeskqlEvents, EventName, Priority } from './events.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** What the store keeps and settings are made of: anything JSON can represent. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A plugin: its identity, the settings each workspace gives it, and `setup`,
 * which registers its event handlers. Build one with {@link definePlugin}; the
 * server loads it when its module is listed in `DESKQL_PLUGINS`.
 */
export interface Plugin<Settings = unknown> {
  /**
   * Lowercase letters, digits and dashes (`auto-tag`). Admins enable the plugin
   * by this name, and the timeline shows it as the author of what it does.
   */
  readonly name: string;
  readonly version: string;
  /** One line for admins choosing plugins. */
  readonly description?: string;
  /**
   * Validates each workspace's settings: when an admin configures the plugin,
   * and again before every handler call. Any Standard Schema works (zod 4,
   * valibot, arktype); its output is `ctx.settings`.
   * @default a schema accepting only an empty object
   */
  readonly settings?: StandardSchemaV1<unknown, Settings>;
  /**
   * Runs once when the server starts, before any event; registers handlers with
   * `ctx.on`. A setup that throws or passes the host's time limit leaves the
   * plugin unloaded (reported as LOAD_FAILED); the server runs on without it.
   */
  setup(ctx: PluginSetupContext<Settings>): void | Promise<void>;
}

/** A plugin of any settings type, as the host holds it. */
export type AnyPlugin = Plugin<any>;

/** What `setup` receives. */
export interface PluginSetupContext<Settings> {
  /** The plugin's name. */
  readonly plugin: string;
  /**
   * Registers `handler` for one event of the typed event map. The handler runs
   * after the change is committed, once per event, for each workspace where the
   * plugin is enabled, never for events its own actions caused. Handlers of one
   * plugin in one workspace run one at a time, in event order. Several handlers
   * for one event run in the order they were registered.
   */
  on<K extends EventName>(event: K, handler: EventHandler<K, Settings>): void;
  /** Logs outside any workspace (setup problems, start-up notes). */
  readonly log: PluginLogger;
}

/**
 * Handles one event. It should return nothing (or a promise of nothing);
 * a throw, a rejection, a return value or passing the time limit is a fault
 * the host records in the plugin's health.
 */
export type EventHandler<K extends EventName, Settings> = (
  event: DeskqlEvents[K],
  ctx: PluginContext<Settings>,
) => void | Promise<void>;

/** What a handler receives besides the event: everything it may do, confined to the event's workspace. */
export interface PluginContext<Settings> {
  readonly plugin: string;
  readonly workspaceId: string;
  /** This workspace's settings, as the plugin's `settings` schema returned them. */
  readonly settings: Settings;
  /** Changes, through the same domain functions as the GraphQL API; the timeline shows the plugin as their author. */
  readonly actions: PluginActions;
  /** Reads of the workspace's data. */
  readonly read: PluginReads;
  /** A small key-value store of this plugin in this workspace. */
  readonly store: PluginStore;
  readonly log: PluginLogger;
  /**
   * Aborted when the handler passes its time limit or the server shuts down.
   * From then on every action and store call fails with CANCELLED.
   */
  readonly signal: AbortSignal;
}

/**
 * Changes a plugin makes. Each runs the domain function the matching GraphQL
 * mutation runs, in the plugin's workspace only, and fails with a
 * {@link PluginActionError}. Changes that change nothing (tagging a tagged
 * conversation) succeed without a trace.
 */
export interface PluginActions {
  /** Adds a tag by name (ignoring case), creating the tag when the workspace has none of that name. */
  tag(input: { conversationId: string; tag: string }): Promise<void>;
  /** Removes a tag by name; nothing happens when the conversation does not carry it. */
  untag(input: { conversationId: string; tag: string }): Promise<void>;
  /** Assigns the conversation to an agent of the workspace, or unassigns it with `agentId: null`. */
  assign(input: { conversationId: string; agentId: string | null }): Promise<void>;
  setPriority(input: { conversationId: string; priority: Priority }): Promise<void>;
  setStatus(input: { conversationId: string; status: ConversationStatus }): Promise<void>;
  /** Adds an internal note (agents only see it; nothing is sent). */
  addNote(input: { conversationId: string; text: string }): Promise<{ messageId: string }>;
  /**
   * Queues an email reply to the customer, threaded and carrying the case
   * number and the inbox signature, as `replyToConversation` does. The status
   * becomes WAITING_ON_CUSTOMER unless `status` says otherwise (an auto-reply
   * passes the current status to leave it unchanged).
   */
  reply(input: { conversationId: string; text: string; html?: string; status?: ConversationStatus }): Promise<{ messageId: string }>;
  /**
   * Moves the conversation to Spam, teaches the workspace's spam filter its
   * messages and blocks the contact, as the `markSpam` mutation does.
   */
  markSpam(input: { conversationId: string }): Promise<void>;
  /** Brings the conversation back from Spam and unblocks the contact, as the `markNotSpam` mutation does. */
  markNotSpam(input: { conversationId: string }): Promise<void>;
}

/** Reads of the workspace the handler runs for. Each fails with NOT_FOUND for an ID of another workspace. */
export interface PluginReads {
  conversation(conversationId: string): Promise<ConversationInfo>;
  message(messageId: string): Promise<MessageInfo>;
  /** Every agent of the workspace, by name, with how many open conversations each has assigned. */
  agents(): Promise<AgentInfo[]>;
}

export interface ConversationInfo {
  id: string;
  number: number;
  /** The inbox prefix and number, e.g. SUP-12. */
  caseNumber: string;
  subject: string;
  status: ConversationStatus;
  priority: Priority;
  spam: boolean;
  inbox: { id: string; name: string };
  contact: { id: string; name: string; emails: string[] };
  assigneeId: string | null;
  /** Tag names. */
  tags: string[];
  createdAt: Date;
  lastMessageAt: Date;
}

export interface EmailAddress {
  address: string;
  name: string | null;
}

export interface MessageInfo {
  id: string;
  conversationId: string;
  direction: 'INBOUND' | 'OUTBOUND';
  kind: 'EMAIL' | 'NOTE' | 'SYSTEM';
  subject: string | null;
  text: string | null;
  html: string | null;
  from: EmailAddress | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  /** Inbound mail a machine sent (auto-replies, bounces, lists): do not answer it automatically. */
  automated: boolean;
  /** The plugin that wrote it, if any. */
  authorPlugin: string | null;
  createdAt: Date;
}

export interface AgentInfo {
  id: string;
  name: string;
  email: string;
  role: 'ADMIN' | 'AGENT';
  /** Conversations assigned to the agent that are not closed and not spam. */
  openAssigned: number;
}

/**
 * A key-value store per plugin and workspace, kept in the server's database.
 * Keys are 1 to 200 characters; a value is JSON of at most 64 KiB.
 */
export interface PluginStore {
  /** The value, or undefined when absent or expired. */
  get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined>;
  set(key: string, value: JsonValue, options?: StoreWriteOptions): Promise<void>;
  /**
   * Stores the value only when the key is absent (or expired); true when it did.
   * Atomic across server instances: use it for "once per conversation".
   */
  setIfAbsent(key: string, value: JsonValue, options?: StoreWriteOptions): Promise<boolean>;
  /** True when there was a value to delete. */
  delete(key: string): Promise<boolean>;
}

export interface StoreWriteOptions {
  /** Forget the value after this many seconds. @default kept until deleted */
  ttlSeconds?: number;
}

export interface PluginLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * Why an action or store call failed: the domain's codes (`NOT_FOUND`,
 * `INVALID_INPUT`, `FORBIDDEN`, `CONFLICT`), or `CANCELLED` once the handler's
 * time is up or the server is stopping.
 */
export type PluginActionErrorCode = 'NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN' | 'CONFLICT' | 'CANCELLED';

export class PluginActionError extends Error {
  override readonly name = 'PluginActionError';
  constructor(
    readonly code: PluginActionErrorCode,
    message: string,
    /** The input field at fault, when the code is INVALID_INPUT. */
    readonly field?: string,
  ) {
    super(message);
  }
}

type NoSettings = StandardSchemaV1<Record<string, never>, Record<string, never>>;

/**
 * Declares a plugin. The type of `settings` fixes `ctx.settings`, and each
 * `ctx.on(event, handler)` gives the handler that event's payload type, so a
 * wrong event name or payload field does not compile.
 *
 * ```ts
 * export default definePlugin({
 *   name: 'vip',
 *   version: '1.0.0',
 *   settings: z.object({ domains: z.array(z.string()) }),
 *   setup(ctx) {
 *     ctx.on('message.received', async (event, { settings, actions }) => {
 *       if (settings.domains.some((d) => event.fromAddress.endsWith(`@${d}`))) {
 *         await actions.setPriority({ conversationId: event.conversationId, priority: 'HIGH' });
 *       }
 *     });
 *   },
 * });
 * ```
 */
export function definePlugin<S extends StandardSchemaV1 = NoSettings>(definition: {
  name: string;
  version: string;
  description?: string;
  settings?: S;
  setup(ctx: PluginSetupContext<StandardSchemaV1.InferOutput<S>>): void | Promise<void>;
}): Plugin<StandardSchemaV1.InferOutput<S>> {
  if (!pluginNamePattern.test(definition.name)) {
    throw new TypeError(`Plugin name "${definition.name}" must be lowercase letters, digits and dashes, starting with a letter.`);
  }
  return definition as Plugin<StandardSchemaV1.InferOutput<S>>;
}

/** What plugin names look like. */
export const pluginNamePattern = /^[a-z][a-z0-9-]{0,62}$/;
