import { conversationEventNames } from '@deskql/sdk/events';
import type { Rule, RuleField as RuleFieldName, RuleOperator as RuleOperatorName } from '../../domain/smart-folders/rules.js';
import {
  countSmartFolder,
  createSmartFolder,
  deleteSmartFolder,
  updateSmartFolder,
} from '../../domain/smart-folders/smart-folders.js';
import { conversationListOrder, conversationsWhere } from '../../domain/conversations/list.js';
import { builder } from '../builder.js';
import { Deleted } from './errors.js';
import { agentCaller } from '../context.js';
import { decodeId, encodeId } from '../ids.js';
import { coalesce } from '../../events/coalesce.js';
import { stopSourceOnReturn } from '../../events/stop-source.js';
import { Conversation } from './conversation.js';
import { RuleField, RuleOperator } from './enums.js';

// Conditions on INBOX and ASSIGNEE carry raw ids in the domain and global IDs in the API.
const idTypeOfField: Partial<Record<RuleFieldName, string>> = { INBOX: 'Inbox', ASSIGNEE: 'Agent' };

interface RuleShape {
  all?: RuleShape[] | null;
  any?: RuleShape[] | null;
  field?: RuleFieldName | null;
  operator?: RuleOperatorName | null;
  value?: string | null;
}

function ruleFromInput(input: RuleShape, path: string): unknown {
  const groups = {
    ...(input.all && { all: input.all.map((r, i) => ruleFromInput(r, `${path}.all.${i}`)) }),
    ...(input.any && { any: input.any.map((r, i) => ruleFromInput(r, `${path}.any.${i}`)) }),
  };
  if (!input.field) return groups;
  const idType = idTypeOfField[input.field];
  const value = idType && input.value ? decodeId(idType, input.value, `${path}.value`) : input.value;
  return { ...groups, field: input.field, operator: input.operator, value };
}

function ruleToOutput(rule: Rule): RuleShape {
  if ('all' in rule) return { all: rule.all.map(ruleToOutput) };
  if ('any' in rule) return { any: rule.any.map(ruleToOutput) };
  const idType = idTypeOfField[rule.field];
  return { ...rule, value: idType && rule.value ? encodeId(idType, rule.value) : rule.value };
}

const SmartFolderRuleInput = builder.inputRef<RuleShape>('SmartFolderRuleInput').implement({
  description:
    'One node of a rule tree: a group (`all` or `any` of its rules) or a condition (`field`, `operator`, `value`). Text matching ignores case; INBOX and ASSIGNEE values are IDs (an empty ASSIGNEE value means unassigned).',
  fields: (t) => ({
    all: t.field({ type: [SmartFolderRuleInput], required: false }),
    any: t.field({ type: [SmartFolderRuleInput], required: false }),
    field: t.field({ type: RuleField, required: false }),
    operator: t.field({ type: RuleOperator, required: false }),
    value: t.string({ required: false }),
  }),
});

const SmartFolderRule = builder.objectRef<RuleShape>('SmartFolderRule');
SmartFolderRule.implement({
  description: 'One node of a rule tree; see SmartFolderRuleInput.',
  fields: (t) => ({
    all: t.field({ type: [SmartFolderRule], nullable: true, resolve: (r) => r.all ?? null }),
    any: t.field({ type: [SmartFolderRule], nullable: true, resolve: (r) => r.any ?? null }),
    field: t.field({ type: RuleField, nullable: true, resolve: (r) => r.field ?? null }),
    operator: t.field({ type: RuleOperator, nullable: true, resolve: (r) => r.operator ?? null }),
    value: t.string({ nullable: true, resolve: (r) => r.value ?? null }),
  }),
});

export const SmartFolder = builder.prismaNode('SmartFolder', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  description: 'A saved view: the conversations matching a rule tree, counted and listed by one database query each.',
  fields: (t) => ({
    name: t.exposeString('name'),
    position: t.exposeInt('position'),
    rules: t.field({ type: SmartFolderRule, select: { rules: true }, resolve: (f) => ruleToOutput(f.rules as Rule) }),
    count: t.int({
      select: { rules: true },
      resolve: (folder, _args, ctx) => countSmartFolder(ctx, agentCaller(ctx), folder),
    }),
    conversations: t.prismaConnection({
      type: Conversation,
      cursor: 'id',
      defaultSize: 50,
      maxSize: 200,
      resolve: (query, folder, _args, ctx) =>
        ctx.db.conversation.findMany({
          ...query,
          where: conversationsWhere(agentCaller(ctx), { smartFolderRules: folder.rules }),
          orderBy: conversationListOrder,
        }),
      totalCount: (folder, _args, ctx) => countSmartFolder(ctx, agentCaller(ctx), folder),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('smartFolders', (t) =>
  t.prismaField({
    type: [SmartFolder],
    resolve: (query, _root, _args, ctx) =>
      ctx.db.smartFolder.findMany({
        ...query,
        where: { workspaceId: agentCaller(ctx).workspaceId },
        orderBy: [{ position: 'asc' }, { createdAt: 'asc' }],
      }),
  }),
);

builder.mutationField('createSmartFolder', (t) =>
  t.prismaField({
    type: SmartFolder,
    args: { name: t.arg.string(), rules: t.arg({ type: SmartFolderRuleInput }) },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await createSmartFolder(ctx, agentCaller(ctx), { name: args.name, rules: ruleFromInput(args.rules, 'rules') });
      return ctx.db.smartFolder.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('updateSmartFolder', (t) =>
  t.prismaField({
    type: SmartFolder,
    args: {
      smartFolderId: t.arg.id(),
      name: t.arg.string({ required: false }),
      rules: t.arg({ type: SmartFolderRuleInput, required: false }),
    },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await updateSmartFolder(ctx, agentCaller(ctx), {
          smartFolderId: decodeId('SmartFolder', String(args.smartFolderId), 'smartFolderId'),
          name: args.name,
          rules: args.rules ? ruleFromInput(args.rules, 'rules') : null,
        });
      return ctx.db.smartFolder.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('deleteSmartFolder', (t) =>
  t.field({
    type: Deleted,
    args: { smartFolderId: t.arg.id() },
    errors: {},
    resolve: async (_root, args, ctx) => {
      await deleteSmartFolder(ctx, agentCaller(ctx), decodeId('SmartFolder', String(args.smartFolderId), 'smartFolderId'));
      return { id: String(args.smartFolderId) };
    },
  }),
);

/** Events that can change a folder's count: rules match conversations, their contacts, tags and the folders themselves. */
const countChangingEvents = [
  ...conversationEventNames,
  'contact.tagged',
  'contact.untagged',
  'contact.updated',
  'contact.merged',
  'smartFolder.changed',
  'tag.renamed',
  'tag.deleted',
] as const;

const SmartFolderCount = builder.objectRef<{ smartFolderId: string; count: number }>('SmartFolderCount').implement({
  fields: (t) => ({
    smartFolder: t.prismaField({
      type: SmartFolder,
      resolve: (query, row, _args, ctx) => ctx.db.smartFolder.findUniqueOrThrow({ ...query, where: { id: row.smartFolderId } }),
    }),
    count: t.exposeInt('count'),
  }),
});

builder.subscriptionField('smartFolderCounts', (t) =>
  t.field({
    type: [SmartFolderCount],
    description:
      "The count of every smart folder of the workspace: once right away, then whenever a conversation or folder changes (bursts are coalesced).",
    subscribe: (_root, _args, ctx) => {
      const changes = ctx.events.subscribe([...countChangingEvents]);
      return stopSourceOnReturn(
        changes,
        (async function* () {
          try {
            const caller = agentCaller(ctx);
            const counts = async () => {
              const folders = await ctx.db.smartFolder.findMany({
                where: { workspaceId: caller.workspaceId },
                orderBy: [{ position: 'asc' }, { createdAt: 'asc' }],
              });
              return Promise.all(
                folders.map(async (f) => ({ smartFolderId: f.id, count: await countSmartFolder(ctx, caller, f) })),
              );
            };
            // Listen before the first count, so a change made right after it is not missed.
            const bursts = coalesce(changes, (e) => e.workspaceId === caller.workspaceId, 50);
            const first = await counts();
            let last = JSON.stringify(first);
            yield first;
            for await (const _burst of bursts) {
              const next = await counts();
              const key = JSON.stringify(next);
              if (key !== last) yield next;
              last = key;
            }
          } finally {
            await changes.return?.();
          }
        })(),
      );
    },
    resolve: (counts) => counts,
  }),
);
