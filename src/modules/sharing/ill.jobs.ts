import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql';
import { Viewer } from '../auth/viewer';
import { advanceRota, commitStep, factsOf, lockRequest } from './ill.core';
import { IllAction, transitionFor } from './ill.state-machine';

const BATCH = 200;

/**
 * Requests whose current lender did not answer within its days-to-respond move to the next lender
 * (NO_ANSWER in the rota), or end at END_OF_ROTA. Each request is re-checked under its row lock: a
 * lender answering at that moment either wins (the job skips the request) or finds it moved on
 * (ILLEGAL_TRANSITION), never both.
 */
export async function illTimeouts(em: EntityManager): Promise<number> {
  const due = await query<{ id: string }>(
    em,
    `select id from ill_requests where supplier_state = 'REQUEST_RECEIVED' and answer_due_at < now()
      order by answer_due_at limit ${BATCH} for update skip locked`,
  );
  const system = Viewer.anonymous();
  let moved = 0;
  for (const { id } of due) {
    const req = await lockRequest(em, Number(id));
    const t = req && req.answerDueAt && req.answerDueAt.getTime() < Date.now() ? transitionFor(IllAction.TIME_OUT, 'SYSTEM', factsOf(req)) : null;
    if (!req || !t || t.to.kind !== 'NEXT_LENDER') continue;
    await advanceRota(em, system, req, { transition: t, side: 'SYSTEM', outcome: t.to.outcome, data: { answerDueAt: req.answerDueAt } });
    moved++;
  }
  return moved;
}

/** Copies past the lender's due date at the borrower become OVERDUE on both sides. */
export async function illOverdue(em: EntityManager): Promise<number> {
  const due = await query<{ id: string }>(
    em,
    `select id from ill_requests where requester_state = 'RECEIVED' and due_at < now() order by due_at limit ${BATCH} for update skip locked`,
  );
  const system = Viewer.anonymous();
  let marked = 0;
  for (const { id } of due) {
    const req = await lockRequest(em, Number(id));
    const t = req ? transitionFor(IllAction.MARK_OVERDUE, 'SYSTEM', factsOf(req)) : null;
    if (!req || !t) continue;
    await commitStep(em, system, req, { transition: t, side: 'SYSTEM', data: { dueAt: req.dueAt } });
    marked++;
  }
  return marked;
}
