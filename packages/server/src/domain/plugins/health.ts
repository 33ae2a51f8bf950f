import type { PluginFaultKind } from '../../generated/sqlite/enums.js';
import type { Deps } from '../shared/deps.js';

/** How many faults each installation keeps for its admins to read. */
export const KEPT_FAULTS = 50;

export interface PluginFaultInput {
  kind: PluginFaultKind;
  event: string;
  message: string;
  conversationId: string | null;
}

/** Records a failed handler call: the fault itself and the installation's counters. Older faults beyond KEPT_FAULTS go. */
export async function recordPluginFault(deps: Pick<Deps, 'db'>, installationId: string, fault: PluginFaultInput) {
  const now = new Date();
  await deps.db.$transaction([
    deps.db.pluginFault.create({
      data: { installationId, ...fault, message: fault.message.slice(0, 2_000), occurredAt: now },
    }),
    deps.db.pluginInstallation.update({
      where: { id: installationId },
      data: { consecutiveFailures: { increment: 1 }, totalFailures: { increment: 1 }, lastFailureAt: now },
    }),
  ]);
  const old = await deps.db.pluginFault.findMany({
    where: { installationId },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    skip: KEPT_FAULTS,
    select: { id: true },
  });
  if (old.length > 0) await deps.db.pluginFault.deleteMany({ where: { id: { in: old.map((f) => f.id) } } });
}

/** Records a successful handler call, which ends a run of failures. */
export async function recordPluginSuccess(deps: Pick<Deps, 'db'>, installationId: string) {
  await deps.db.pluginInstallation.update({
    where: { id: installationId },
    data: { consecutiveFailures: 0, lastSuccessAt: new Date() },
  });
}
