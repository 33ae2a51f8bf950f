import { assertAdmin, type Caller, type Deps } from '../shared/deps.js';
import { invalid } from '../shared/errors.js';

/** Sets the score from which new mail goes to Spam (null: the classifier's calibrated default). */
export async function setSpamThreshold(deps: Pick<Deps, 'db'>, caller: Caller, threshold: number | null) {
  assertAdmin(caller);
  if (threshold !== null && !(threshold >= 0.5 && threshold <= 1)) {
    throw invalid('threshold', 'The spam threshold must be between 0.5 and 1.');
  }
  return deps.db.workspace.update({
    where: { id: caller.workspaceId },
    data: { spamThreshold: threshold },
    select: { spamThreshold: true },
  });
}
