import { NotPermittedError } from '../../common/error-results';
import { badInput } from '../../common/errors';
import { requireText } from '../../common/text';
import { query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { USERNAME } from '../auth/auth.service';
import { Account, StaffRole } from '../auth/account.entity';
import { hashPassword } from '../auth/password';
import { emitEvent } from '../events/outbox';
import { librariesService, parseLibraryCode } from '../libraries/libraries.service';
import { LibraryKind } from '../libraries/library.entity';
import { UnknownLibraryError } from '../catalog/catalog.types';
import { Agency } from './eresource.entity';
import { CreateAgencyInput, CreateContributorInput, DuplicateAgencyError, DuplicateUsernameError, UnknownAgencyError } from './eresources.types';

const AGENCY_CODE = /^[A-Z0-9][A-Z0-9-]{0,31}$/;

/** The agency of the signed-in contributor (from the database: the token carries no agency). */
export async function viewerAgency(ctx: Context): Promise<Agency | null> {
  if (!ctx.viewer.isContributor || ctx.viewer.accountId === null) return null;
  const rows = await query<Record<string, unknown>>(
    ctx.em,
    `select g.* from accounts a join agencies g on g.id = a.agency_id where a.id = ? and a.active`,
    [ctx.viewer.accountId],
  );
  return rows[0] ? ctx.em.map(Agency, rows[0]) : null;
}

/** The library that owns the signed-in contributor's documents. */
export async function agencyLibraryId(ctx: Context): Promise<number | null> {
  return (await viewerAgency(ctx))?.libraryId ?? null;
}

export const agenciesService = {
  /** Creates a contributing agency (network admins, or admins of the provincial library that will own its documents). */
  async createAgency(ctx: Context, input: CreateAgencyInput): Promise<Agency | UnknownLibraryError | DuplicateAgencyError | NotPermittedError> {
    const code = (input.code ?? '').trim().toUpperCase();
    if (!AGENCY_CODE.test(code)) throw badInput('code must be 1-32 characters: A-Z, 0-9, hyphen', 'input.code');
    const name = requireText(input.name, { field: 'input.name', max: 300 });
    const libCode = parseLibraryCode(input.libraryCode, 'input.libraryCode');
    const lib = await librariesService.byCode(ctx, libCode);
    if (!lib) return new UnknownLibraryError(`No library has the code ${libCode}.`, libCode);
    const v = ctx.viewer;
    if (!(v.isNetworkAdmin || (v.role === StaffRole.LIBRARY_ADMIN && v.libraryId === lib.id))) {
      return new NotPermittedError('Only network admins or admins of that library create agencies.');
    }
    if (lib.kind !== LibraryKind.PROVINCIAL) throw badInput('contributed documents are reviewed by a provincial library', 'input.libraryCode');
    return ctx.em.transactional(async (em) => {
      const rows = await query<Record<string, unknown>>(
        em,
        `insert into agencies (code, name, library_id) values (?, ?, ?) on conflict (code) do nothing returning *`,
        [code, name, lib.id],
      );
      if (!rows[0]) return new DuplicateAgencyError(`Another agency already has the code ${code}.`);
      const agency = em.map(Agency, rows[0]);
      await audit({ em, viewer: v }, { action: 'eresource.agency.create', entity: 'Agency', entityId: agency.id, libraryId: lib.id, after: { code, name } });
      await emitEvent(em, { type: 'agency.created', libraryIds: [lib.id], entity: 'Agency', entityId: agency.id, payload: { agencyId: agency.id, code } });
      return agency;
    });
  },

  /** Creates a CONTRIBUTOR account of an agency (same people as createAgency, for its library). */
  async createContributor(
    ctx: Context,
    input: CreateContributorInput,
  ): Promise<Account | UnknownAgencyError | DuplicateUsernameError | NotPermittedError> {
    const username = (input.username ?? '').trim().toLowerCase();
    if (!USERNAME.test(username)) throw badInput('username must be 2-64 characters: a-z, 0-9, . _ -', 'input.username');
    if (typeof input.password !== 'string' || input.password.length < 12 || input.password.length > 200) {
      throw badInput('password must be 12-200 characters', 'input.password');
    }
    const displayName = requireText(input.displayName ?? username, { field: 'input.displayName', max: 200 });
    const code = (input.agencyCode ?? '').trim().toUpperCase();
    const agency = AGENCY_CODE.test(code) ? await ctx.em.findOne(Agency, { code }) : null;
    if (!agency) return new UnknownAgencyError(`No agency has the code ${code}.`, code);
    const v = ctx.viewer;
    if (!(v.isNetworkAdmin || (v.role === StaffRole.LIBRARY_ADMIN && v.libraryId === agency.libraryId))) {
      return new NotPermittedError('Only network admins or admins of the reviewing library create contributor accounts.');
    }
    const passwordHash = await hashPassword(input.password);
    return ctx.em.transactional(async (em) => {
      const rows = await query<{ id: string }>(
        em,
        `insert into accounts (username, password_hash, display_name, role, agency_id) values (?, ?, ?, 'CONTRIBUTOR', ?)
         on conflict (username) do nothing returning id`,
        [username, passwordHash, displayName, agency.id],
      );
      if (!rows[0]) return new DuplicateUsernameError(`Another account already has the username ${username}.`);
      const id = Number(rows[0].id);
      await audit({ em, viewer: v }, { action: 'eresource.contributor.create', entity: 'StaffAccount', entityId: id, libraryId: agency.libraryId, after: { username, agency: agency.code } });
      await emitEvent(em, { type: 'agency.contributor.created', libraryIds: [agency.libraryId], entity: 'StaffAccount', entityId: id, payload: { accountId: id, agencyId: agency.id } });
      return em.findOneOrFail(Account, { id });
    });
  },
};
