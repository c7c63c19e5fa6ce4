import type { EntityManager } from '@mikro-orm/postgresql';
import { NotPermittedError } from '../../common/error-results';
import { badInput } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { cleanText } from '../../common/text';
import { pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { catalogService } from '../catalog/catalog.service';
import { RecordNotFoundError, UnknownLibraryError } from '../catalog/catalog.types';
import { emitEvent } from '../events/outbox';
import { librariesService } from '../libraries/libraries.service';
import { viewerAgency } from './agencies.service';
import { syncCatalogRecord } from './catalog-link';
import { DESCRIPTION_COLUMNS, Description, Licence, dcmiType, parseDescription, parseLicence, parseUrl } from './description';
import { AccessPolicy, EResource, EResourceKind, EResourceStatus, ReviewDecision } from './eresource.entity';
import {
  CreateEResourceInput,
  EResourceAction,
  EResourceNotFoundError,
  FileNotFoundError,
  IllegalEResourceTransitionError,
  InvalidEResourceError,
  UpdateEResourceInput,
} from './eresources.types';
import { Actor, WORKFLOW, allowedActions, mayTake } from './workflow';

export type WorkflowError = EResourceNotFoundError | IllegalEResourceTransitionError | InvalidEResourceError | NotPermittedError;

const MAX_FILES = 50;

/** Roles the viewer holds towards a resource (for the workflow table). */
export async function actorsOf(ctx: Context, r: EResource): Promise<Actor[]> {
  const actors: Actor[] = [];
  if (ctx.viewer.isStaff && ctx.viewer.worksAt(r.libraryId)) actors.push('staff');
  if (ctx.viewer.isContributor && r.agencyId !== null) {
    const agency = await viewerAgency(ctx);
    if (agency?.id === r.agencyId) actors.push('contributor');
  }
  return actors;
}

/**
 * Whether the viewer may see the resource at all: published ones are seen by everyone (staff-only
 * ones by staff), the others by the owning library's staff and the contributing agency.
 */
export async function isVisible(ctx: Context, r: EResource): Promise<boolean> {
  if (r.status === EResourceStatus.PUBLISHED) return r.accessPolicy !== AccessPolicy.STAFF_ONLY || ctx.viewer.isStaff;
  return (await actorsOf(ctx, r)).length > 0;
}

export async function lockResource(em: EntityManager, id: number): Promise<EResource | null> {
  const rows = await query<Record<string, unknown>>(em, `select ${ERESOURCE_COLUMNS} from e_resources e where e.id = ? for update`, [id]);
  return rows[0] ? em.map(EResource, rows[0]) : null;
}

/** Every mapped column (the generated search columns stay in the database). */
export const ERESOURCE_COLUMNS = `e.id, e.kind, e.status, e.library_id, e.agency_id, e.record_id, e.record_generated, e.access_policy,
  e.external_url, e.title, e.creators, e.subjects, e.description, e.publisher, e.contributors, e.dc_date, e.dc_type, e.dc_format,
  e.identifiers, e.source, e.language, e.relations, e.coverage, e.rights, e.licence_provider, e.licence_starts_on::text,
  e.licence_ends_on::text, e.licence_concurrent_users, e.licence_on_site_only, e.licence_notes, e.loan_days, e.created_by,
  e.submitted_by, e.submitted_at, e.reviewed_by, e.reviewed_at, e.review_decision, e.review_note, e.published_at,
  e.withdrawn_at, e.withdrawn_reason, e.created_at, e.updated_at, e.datestamp`;

function snapshot(r: EResource) {
  return { status: r.status, accessPolicy: r.accessPolicy, title: r.title, recordId: r.recordId, libraryId: r.libraryId };
}

export class EResourcesService {
  /** A resource by id if the viewer may see it. */
  async get(ctx: Context, id: number): Promise<EResource | null> {
    const r = await ctx.loaders.eResourceById.load(id);
    return r && (await isVisible(ctx, r)) ? r : null;
  }

  /** Creates an e-resource: staff a DRAFT of their library, contributors a SUBMITTED contribution of their agency. */
  async create(
    ctx: Context,
    input: CreateEResourceInput,
  ): Promise<EResource | UnknownLibraryError | RecordNotFoundError | FileNotFoundError | InvalidEResourceError | NotPermittedError> {
    const v = ctx.viewer;
    if (!v.isAuthenticated) return new NotPermittedError('Sign in as library staff or as a contributor.');
    if (!input.description) throw badInput('description is required', 'input.description');
    const desc = parseDescription(input.description, 'input.description');
    if (!desc.title) throw badInput('input.description.title must not be empty', 'input.description.title');
    let libraryId: number;
    let agencyId: number | null = null;
    let status = EResourceStatus.DRAFT;
    if (v.isContributor) {
      const agency = await viewerAgency(ctx);
      if (!agency) return new NotPermittedError('This contributor account has no active agency.');
      if (input.kind !== EResourceKind.CONTRIBUTED) throw badInput('contributors create CONTRIBUTED documents', 'input.kind');
      if (input.recordId || input.licence || input.accessPolicy || input.loanDays) {
        return new NotPermittedError('Catalog link, licence, access policy and loan period are chosen by the reviewing library.');
      }
      libraryId = agency.libraryId;
      agencyId = agency.id;
      status = EResourceStatus.SUBMITTED;
    } else if (v.isStaff) {
      if (input.kind === EResourceKind.CONTRIBUTED) throw badInput('CONTRIBUTED documents come from contributor accounts', 'input.kind');
      if (input.libraryCode) {
        const lib = await librariesService.byCode(ctx, input.libraryCode);
        if (!lib) return new UnknownLibraryError(`No library has the code ${input.libraryCode}.`, input.libraryCode);
        libraryId = lib.id;
      } else if (v.libraryId !== null) {
        libraryId = v.libraryId;
      } else {
        throw badInput('network admins name the owning library (libraryCode)', 'input.libraryCode');
      }
      if (!v.worksAt(libraryId)) return new NotPermittedError('Staff create e-resources of their own library.');
    } else {
      return new NotPermittedError('Only library staff and contributors create e-resources.');
    }
    if (input.licence && input.kind !== EResourceKind.LICENSED) throw badInput('only LICENSED e-resources have a licence', 'input.licence');
    const licence = input.licence ? parseLicence(input.licence, 'input.licence') : null;
    const externalUrl = input.externalUrl ? parseUrl(input.externalUrl, 'input.externalUrl') : null;
    const loanDays = parseLoanDays(input.loanDays, 'input.loanDays');
    let recordId: number | null = null;
    if (input.recordId) {
      const rec = await catalogService.record(ctx, decodeIdOf('BibliographicRecord', input.recordId, 'input.recordId'));
      if (!rec) return new RecordNotFoundError('No record has this id.', input.recordId);
      recordId = rec.id;
    }
    const fileIds = parseFileIds(input.fileIds);

    return ctx.em.transactional(async (em) => {
      const files = await this.claimFiles(ctx, em, fileIds, null);
      if (files instanceof FileNotFoundError) return files;
      const cols: Record<string, unknown> = {
        kind: input.kind,
        status,
        library_id: libraryId,
        agency_id: agencyId,
        record_id: recordId,
        access_policy: input.accessPolicy ?? AccessPolicy.PUBLIC,
        external_url: externalUrl,
        loan_days: loanDays,
        created_by: v.accountId,
        submitted_by: status === EResourceStatus.SUBMITTED ? v.accountId : null,
        submitted_at: status === EResourceStatus.SUBMITTED ? new Date() : null,
        ...descriptionColumns({ ...desc, format: desc.format ?? files[0]?.contentType ?? null, type: desc.type ?? dcmiType(files[0]?.contentType ?? null) }),
        ...(licence ? licenceColumns(licence) : {}),
      };
      const names = Object.keys(cols);
      const rows = await query<{ id: string }>(
        em,
        `insert into e_resources (${names.join(', ')}) values (${names.map((n) => (ARRAY_COLUMNS.has(n) ? '?::text[]' : '?')).join(', ')}) returning id`,
        names.map((n) => bind(em, n, cols[n])),
      );
      const id = Number(rows[0].id);
      await this.attachFiles(em, id, files.map((f) => f.id));
      const r = (await lockResource(em, id))!;
      await audit({ em, viewer: v }, { action: 'eresource.create', entity: 'EResource', entityId: id, libraryId, after: { ...snapshot(r), files: files.map((f) => f.id) } });
      await emitEvent(em, {
        type: status === EResourceStatus.SUBMITTED ? 'eresource.submitted' : 'eresource.created',
        libraryIds: [libraryId],
        entity: 'EResource',
        entityId: id,
        payload: { eResourceId: id, kind: r.kind, status: r.status, title: r.title, agencyId },
      });
      return r;
    });
  }

  /** Changes description, files, link or policy, as the workflow lets this viewer in this status. */
  async update(
    ctx: Context,
    input: UpdateEResourceInput,
  ): Promise<EResource | RecordNotFoundError | FileNotFoundError | InvalidEResourceError | WorkflowError> {
    const id = decodeIdOf('EResource', input.id, 'input.id');
    const desc = input.description ? parseDescription(input.description, 'input.description') : {};
    if (desc.title === null) throw badInput('input.description.title must not be empty', 'input.description.title');
    const licence = input.licence ? parseLicence(input.licence, 'input.licence') : null;
    const externalUrl =
      input.externalUrl === undefined || input.externalUrl === null ? undefined : input.externalUrl.trim() === '' ? null : parseUrl(input.externalUrl, 'input.externalUrl');
    const loanDays = input.loanDays === undefined || input.loanDays === null ? undefined : parseLoanDays(input.loanDays, 'input.loanDays');
    let recordId: number | null | undefined;
    if (input.recordId !== undefined && input.recordId !== null) {
      if (input.recordId.trim() === '') recordId = null;
      else {
        const rec = await catalogService.record(ctx, decodeIdOf('BibliographicRecord', input.recordId, 'input.recordId'));
        if (!rec) return new RecordNotFoundError('No record has this id.', input.recordId);
        recordId = rec.id;
      }
    }
    const fileIds = input.fileIds === undefined || input.fileIds === null ? null : parseFileIds(input.fileIds);

    return ctx.em.transactional(async (em) => {
      const r = await lockResource(em, id);
      if (!r || !(await isVisible(ctx, r))) return new EResourceNotFoundError();
      const actors = await actorsOf(ctx, r);
      if (!mayTake(r.status, EResourceAction.UPDATE, actors)) return illegal(r, EResourceAction.UPDATE, actors);
      const staffOnly = recordId !== undefined || input.accessPolicy || licence || loanDays !== undefined;
      if (staffOnly && !actors.includes('staff')) {
        return new NotPermittedError('Catalog link, licence, access policy and loan period are chosen by the owning library.');
      }
      if (licence && r.kind !== EResourceKind.LICENSED) throw badInput('only LICENSED e-resources have a licence', 'input.licence');
      const before = snapshot(r);
      const cols: Record<string, unknown> = { ...descriptionColumns(desc) };
      if (externalUrl !== undefined) cols.external_url = externalUrl;
      if (loanDays !== undefined) cols.loan_days = loanDays;
      if (recordId !== undefined) {
        cols.record_id = recordId;
        cols.record_generated = false;
      }
      if (input.accessPolicy) cols.access_policy = input.accessPolicy;
      if (licence) Object.assign(cols, licenceColumns(licence));
      if (fileIds !== null) {
        const files = await this.claimFiles(ctx, em, fileIds, r.id);
        if (files instanceof FileNotFoundError) return files;
        await query(em, 'update e_files set e_resource_id = null where e_resource_id = ? and not (id = any(?))', [r.id, pgArray(em, fileIds, 'bigint')]);
        await this.attachFiles(em, r.id, fileIds);
        if (desc.format === undefined && files[0]) cols.dc_format = files[0].contentType;
      }
      const names = Object.keys(cols);
      if (names.length) {
        await query(
          em,
          `update e_resources set ${names.map((n) => `${n} = ${ARRAY_COLUMNS.has(n) ? '?::text[]' : '?'}`).join(', ')}, updated_at = now(),
                  datestamp = case when status in ('PUBLISHED', 'WITHDRAWN') then now() else datestamp end
            where id = ?`,
          [...names.map((n) => bind(em, n, cols[n])), r.id],
        );
      } else if (fileIds !== null) {
        await query(em, `update e_resources set updated_at = now() where id = ?`, [r.id]);
      }
      const after = (await lockResource(em, r.id))!;
      if (after.status === EResourceStatus.PUBLISHED && after.recordId === null) {
        await syncCatalogRecord(ctx, em, after);
      } else if (after.recordGenerated) {
        await syncCatalogRecord(ctx, em, after);
      }
      if (after.status === EResourceStatus.PUBLISHED && after.kind === EResourceKind.LICENSED) {
        const invalid = await this.checkPublishable(em, after);
        if (invalid) throw badInput(invalid.message, invalid.field);
      }
      await audit({ em, viewer: ctx.viewer }, { action: 'eresource.update', entity: 'EResource', entityId: r.id, libraryId: r.libraryId, before, after: { ...snapshot(after), changed: names, files: fileIds } });
      await emitEvent(em, { type: 'eresource.updated', libraryIds: [r.libraryId], entity: 'EResource', entityId: r.id, payload: { eResourceId: r.id, status: after.status, changed: [...names, ...(fileIds ? ['files'] : [])] } });
      return (await lockResource(em, r.id))!;
    });
  }

  /** Sends a rejected contribution back for review. */
  submit(ctx: Context, gid: string): Promise<EResource | WorkflowError> {
    return this.step(ctx, gid, EResourceAction.SUBMIT, async (em, r) => {
      await query(
        em,
        `update e_resources set status = 'SUBMITTED', submitted_by = ?, submitted_at = now(), updated_at = now() where id = ?`,
        [ctx.viewer.accountId, r.id],
      );
      return { type: 'eresource.submitted', payload: {} };
    });
  }

  /** The owning library's decision on a submitted contribution: published with the chosen policy, or rejected. */
  review(ctx: Context, gid: string, decision: ReviewDecision, note: string | null, policy: AccessPolicy | null): Promise<EResource | WorkflowError> {
    const cleanNote = cleanText(note, { field: 'note', max: 2000, multiline: true });
    if (decision === ReviewDecision.REJECT && !cleanNote) throw badInput('a rejection needs a note for the contributor', 'note');
    return this.step(ctx, gid, EResourceAction.REVIEW, async (em, r) => {
      if (decision === ReviewDecision.APPROVE) {
        const invalid = await this.checkPublishable(em, r);
        if (invalid) return invalid;
      }
      await query(
        em,
        `update e_resources set status = ?, review_decision = ?, review_note = ?, reviewed_by = ?, reviewed_at = now(),
                access_policy = coalesce(?, access_policy), updated_at = now(),
                published_at = case when ? then now() else published_at end,
                datestamp = now()
          where id = ?`,
        [
          decision === ReviewDecision.APPROVE ? 'PUBLISHED' : 'REJECTED',
          decision,
          cleanNote,
          ctx.viewer.accountId,
          policy,
          decision === ReviewDecision.APPROVE,
          r.id,
        ],
      );
      if (decision === ReviewDecision.APPROVE) await syncCatalogRecord(ctx, em, (await lockResource(em, r.id))!);
      return {
        type: decision === ReviewDecision.APPROVE ? 'eresource.approved' : 'eresource.rejected',
        payload: { decision, note: cleanNote },
      };
    });
  }

  /** Publishes a draft or a withdrawn resource (staff of the owning library). */
  publish(ctx: Context, gid: string, policy: AccessPolicy | null): Promise<EResource | WorkflowError> {
    return this.step(ctx, gid, EResourceAction.PUBLISH, async (em, r) => {
      const invalid = await this.checkPublishable(em, r);
      if (invalid) return invalid;
      await query(
        em,
        `update e_resources set status = 'PUBLISHED', published_at = now(), withdrawn_at = null, withdrawn_reason = null,
                access_policy = coalesce(?, access_policy), updated_at = now(), datestamp = now()
          where id = ?`,
        [policy, r.id],
      );
      await syncCatalogRecord(ctx, em, (await lockResource(em, r.id))!);
      return { type: 'eresource.published', payload: {} };
    });
  }

  /** Withdraws a published resource: readers lose access (open digital loans end), harvesters see it deleted. */
  withdraw(ctx: Context, gid: string, reason: string | null): Promise<EResource | WorkflowError> {
    const why = cleanText(reason, { field: 'reason', max: 2000, multiline: true });
    return this.step(ctx, gid, EResourceAction.WITHDRAW, async (em, r) => {
      await query(
        em,
        `update e_resources set status = 'WITHDRAWN', withdrawn_at = now(), withdrawn_reason = ?, updated_at = now(), datestamp = now()
          where id = ?`,
        [why, r.id],
      );
      const ended = await query<{ id: string }>(
        em,
        `update e_loans set returned_at = now(), ended_by = 'WITHDRAWN' where e_resource_id = ? and returned_at is null returning id`,
        [r.id],
      );
      return { type: 'eresource.withdrawn', payload: { reason: why, loansEnded: ended.map((l) => Number(l.id)) } };
    });
  }

  /** Steps the viewer may take on this resource now. */
  async allowedActions(ctx: Context, r: EResource): Promise<EResourceAction[]> {
    return allowedActions(r.status, await actorsOf(ctx, r));
  }

  /** One workflow step: lock, check the table, apply, audit, event, all in one transaction. */
  private step(
    ctx: Context,
    gid: string,
    action: EResourceAction,
    apply: (em: EntityManager, r: EResource) => Promise<{ type: string; payload: Record<string, unknown> } | InvalidEResourceError>,
  ): Promise<EResource | WorkflowError> {
    const id = decodeIdOf('EResource', gid, 'id');
    return ctx.em.transactional(async (em) => {
      const r = await lockResource(em, id);
      if (!r || !(await isVisible(ctx, r))) return new EResourceNotFoundError();
      const actors = await actorsOf(ctx, r);
      if (!mayTake(r.status, action, actors)) {
        if (actors.length === 0 || !Object.values(WORKFLOW).some((s) => s[action]?.by.some((a) => actors.includes(a)))) {
          return new NotPermittedError(`You may not ${action.toLowerCase()} this e-resource.`);
        }
        return illegal(r, action, actors);
      }
      const before = snapshot(r);
      const done = await apply(em, r);
      if (done instanceof InvalidEResourceError) return done;
      const after = (await lockResource(em, id))!;
      await audit({ em, viewer: ctx.viewer }, { action: `eresource.${action.toLowerCase()}`, entity: 'EResource', entityId: id, libraryId: r.libraryId, before, after: { ...snapshot(after), ...done.payload } });
      await emitEvent(em, {
        type: done.type,
        libraryIds: [r.libraryId],
        entity: 'EResource',
        entityId: id,
        payload: { eResourceId: id, kind: r.kind, from: r.status, status: after.status, agencyId: r.agencyId, ...done.payload },
      });
      return after;
    });
  }

  /** Why the resource cannot be published yet (null: it can). */
  private async checkPublishable(em: EntityManager, r: EResource): Promise<InvalidEResourceError | null> {
    const files = await query<{ n: string }>(em, 'select count(*) n from e_files where e_resource_id = ?', [r.id]);
    if (Number(files[0].n) === 0 && !r.externalUrl) return new InvalidEResourceError('Attach a file or give an external URL first.', 'fileIds');
    if (r.kind === EResourceKind.LICENSED && !r.licenceProvider) {
      return new InvalidEResourceError('A licensed e-resource needs its licence (at least the provider).', 'licence');
    }
    return null;
  }

  /** Files the viewer may attach: their own unattached uploads, or files already on this resource. */
  private async claimFiles(ctx: Context, em: EntityManager, ids: number[], resourceId: number | null) {
    if (!ids.length) return [];
    const rows = await query<{ id: string; content_type: string; uploaded_by: string; e_resource_id: string | null }>(
      em,
      `select id, content_type, uploaded_by, e_resource_id from e_files where id = any(?) for update`,
      [pgArray(em, ids, 'bigint')],
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const id of ids) {
      const f = byId.get(id);
      const mine = f && f.e_resource_id === null && Number(f.uploaded_by) === ctx.viewer.accountId;
      const here = f && resourceId !== null && f.e_resource_id !== null && Number(f.e_resource_id) === resourceId;
      if (!mine && !here) {
        return new FileNotFoundError('No such upload of yours that is free to attach.', toGlobalId('EResourceFile', id));
      }
    }
    return ids.map((id) => ({ id, contentType: byId.get(id)!.content_type }));
  }

  private async attachFiles(em: EntityManager, resourceId: number, ids: number[]): Promise<void> {
    if (ids.length) {
      await query(
        em,
        `update e_files f set e_resource_id = ?, position = x.ord from unnest(?::bigint[]) with ordinality as x(id, ord) where f.id = x.id`,
        [resourceId, pgArray(em, ids, 'bigint')],
      );
    }
    // its searchable text is that of the files it has now (already extracted bytes count at once)
    await query(em, 'select sn_eresource_text_refresh(array[?]::bigint[])', [resourceId]);
  }
}

const ARRAY_COLUMNS = new Set(['creators', 'subjects', 'contributors', 'identifiers', 'relations']);

function bind(em: EntityManager, column: string, value: unknown): unknown {
  if (ARRAY_COLUMNS.has(column)) return pgArray(em, (value as string[]) ?? [], 'text');
  return value;
}

function descriptionColumns(d: Partial<Description>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (v !== undefined) out[DESCRIPTION_COLUMNS[k as keyof Description]] = v;
  return out;
}

function licenceColumns(l: Licence): Record<string, unknown> {
  return {
    licence_provider: l.licenceProvider,
    licence_starts_on: l.licenceStartsOn,
    licence_ends_on: l.licenceEndsOn,
    licence_concurrent_users: l.licenceConcurrentUsers,
    licence_on_site_only: l.licenceOnSiteOnly,
    licence_notes: l.licenceNotes,
  };
}

function parseLoanDays(v: number | null | undefined, field: string): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 1 || v > 365) throw badInput(`${field} must be between 1 and 365`, field);
  return v;
}

function parseFileIds(ids: string[] | null | undefined): number[] {
  const list = ids ?? [];
  if (list.length > MAX_FILES) throw badInput(`at most ${MAX_FILES} files`, 'input.fileIds');
  const out = list.map((g) => decodeIdOf('EResourceFile', g, 'input.fileIds'));
  if (new Set(out).size !== out.length) throw badInput('a file is listed twice', 'input.fileIds');
  return out;
}

function illegal(r: EResource, action: EResourceAction, actors: Actor[]): IllegalEResourceTransitionError {
  return new IllegalEResourceTransitionError(
    `An e-resource that is ${r.status} cannot take the step ${action}.`,
    r.status,
    allowedActions(r.status, actors),
  );
}

export const eResourcesService = new EResourcesService();
