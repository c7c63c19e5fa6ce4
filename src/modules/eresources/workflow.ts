import { EResourceStatus } from './eresource.entity';
import { EResourceAction } from './eresources.types';

/** Who takes a step: staff of the owning library (or a network admin), or the contributing agency. */
export type Actor = 'staff' | 'contributor';

interface Step {
  to: EResourceStatus | null;
  by: Actor[];
}

/**
 * The workflow, declared once: for each status, the steps allowed from it, who may take them and the
 * status they lead to (REVIEW leads to PUBLISHED or REJECTED by its decision; UPDATE keeps the status).
 */
export const WORKFLOW: Record<EResourceStatus, Partial<Record<EResourceAction, Step>>> = {
  [EResourceStatus.DRAFT]: {
    [EResourceAction.UPDATE]: { to: null, by: ['staff'] },
    [EResourceAction.PUBLISH]: { to: EResourceStatus.PUBLISHED, by: ['staff'] },
  },
  [EResourceStatus.SUBMITTED]: {
    [EResourceAction.UPDATE]: { to: null, by: ['staff', 'contributor'] },
    [EResourceAction.REVIEW]: { to: null, by: ['staff'] },
  },
  [EResourceStatus.REJECTED]: {
    [EResourceAction.UPDATE]: { to: null, by: ['contributor'] },
    [EResourceAction.SUBMIT]: { to: EResourceStatus.SUBMITTED, by: ['contributor'] },
  },
  [EResourceStatus.PUBLISHED]: {
    [EResourceAction.UPDATE]: { to: null, by: ['staff'] },
    [EResourceAction.WITHDRAW]: { to: EResourceStatus.WITHDRAWN, by: ['staff'] },
  },
  [EResourceStatus.WITHDRAWN]: {
    [EResourceAction.UPDATE]: { to: null, by: ['staff'] },
    [EResourceAction.PUBLISH]: { to: EResourceStatus.PUBLISHED, by: ['staff'] },
  },
};

/** Steps these actors may take from this status, in declaration order. */
export function allowedActions(status: EResourceStatus, actors: Actor[]): EResourceAction[] {
  return (Object.entries(WORKFLOW[status]) as [EResourceAction, Step][])
    .filter(([, s]) => s.by.some((a) => actors.includes(a)))
    .map(([a]) => a);
}

export function mayTake(status: EResourceStatus, action: EResourceAction, actors: Actor[]): boolean {
  return allowedActions(status, actors).includes(action);
}
