import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { toGlobalId } from '../common/ids';
import { query } from '../db/sql';
import { StaffRole } from '../modules/auth/account.entity';
import { Viewer } from '../modules/auth/viewer';
import { illActionsService } from '../modules/sharing/ill-actions.service';
import { IllRequest } from '../modules/sharing/ill-request.entity';
import { illRequestsService } from '../modules/sharing/ill-requests.service';
import { IllAnswer } from '../modules/sharing/ill.types';
import { buildContext } from '../server/context';

/**
 * Demo inter-library requests, made through the services as the demo librarians would: Tây Sơn asks
 * the provincial library for titles it does not hold, and the requests stand at different steps (just
 * asked, conditions offered, on the way, lent to the reader, completed). Run once, after the network.
 */
export async function seedDemoSharing(rootEm: EntityManager, logger: Logger, config: Config): Promise<number> {
  const staff = await query<{ id: string; username: string; role: StaffRole; library_id: string }>(
    rootEm,
    `select id, username, role, library_id from accounts where username in ('librarian.bdi-ts', 'librarian.bdi-pl')`,
  );
  const as = (username: string) => {
    const a = staff.find((s) => s.username === username);
    if (!a) throw new Error(`demo account ${username} missing`);
    return buildContext({ rootEm, viewer: Viewer.staff(Number(a.id), a.username, a.role, Number(a.library_id)), logger, config });
  };
  // titles with a lendable copy on the provincial library's shelf and none in Tây Sơn district
  const titles = await query<{ record_id: string; barcode: string }>(
    rootEm,
    `select distinct on (i.record_id) i.record_id, i.barcode
       from items i join libraries l on l.id = i.library_id
      where l.code = 'BDI-PL' and i.status = 'AVAILABLE' and i.lendable and i.loanable
        and not exists (select 1 from items o join libraries ol on ol.id = o.library_id
                         where o.record_id = i.record_id and (ol.code like 'BDI-TS%'))
      order by i.record_id, i.id limit 5`,
  );
  if (titles.length < 5) return 0;
  const steps: ('asked' | 'conditions' | 'shipped' | 'lent' | 'completed')[] = ['asked', 'conditions', 'shipped', 'lent', 'completed'];
  let made = 0;
  for (const [i, step] of steps.entries()) {
    const t = titles[i];
    const forReader = step === 'asked' || step === 'lent';
    const created = await illRequestsService.create(as('librarian.bdi-ts'), {
      recordId: toGlobalId('BibliographicRecord', Number(t.record_id)),
      cardNumber: forReader ? 'TS-000001' : null,
      notes: forReader ? 'Bạn đọc cần cho bài tiểu luận.' : 'Bổ sung cho phòng đọc.',
    });
    if (!(created instanceof IllRequest) || created.lenderId === null) continue;
    made++;
    const id = toGlobalId('IllRequest', created.id);
    const lender = as('librarian.bdi-pl');
    if (step === 'asked') continue;
    if (step === 'conditions') {
      await illActionsService.respond(lender, { requestId: id, answer: IllAnswer.CONDITIONAL, note: 'Chỉ đọc tại phòng đọc, trả trong 7 ngày.', costVnd: 0 });
      continue;
    }
    await illActionsService.ship(lender, id, t.barcode);
    if (step === 'shipped') continue;
    await illActionsService.receive(as('librarian.bdi-ts'), id);
    if (step === 'lent') continue;
    await illActionsService.returnItem(as('librarian.bdi-ts'), id);
    await illActionsService.checkInReturned(lender, id);
  }
  return made;
}
