import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { badInput, unauthenticated } from '../../common/errors';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { Account } from '../auth/account.entity';
import { MeType, StaffAccountType } from '../auth/auth.types';
import { catalogService } from '../catalog/catalog.service';
import { RecordNotFoundError, RecordType, UnknownLibraryError } from '../catalog/catalog.types';
import { BibliographicRecord } from '../catalog/record.entity';
import { LibraryType } from '../libraries/library.types';
import { Library } from '../libraries/library.entity';
import { accessService, isLendable } from './access.service';
import { agenciesService, viewerAgency } from './agencies.service';
import { AccessPolicy, Agency, DigitalLoan, EFile, EResource, EResourceKind, EResourceStatus, ReviewDecision, eResourceFromRow } from './eresource.entity';
import { actorsOf, eResourcesService, ERESOURCE_COLUMNS } from './eresources.service';
import {
  AgencyType,
  AlreadyBorrowedError,
  CreateAgencyInput,
  CreateContributorInput,
  CreateEResourceInput,
  DigitalLoanConnection,
  DigitalLoanNotFoundError,
  DigitalLoanRequiredError,
  DigitalLoanType,
  DuplicateAgencyError,
  DuplicateUsernameError,
  EFileType,
  EResourceAccessType,
  EResourceAction,
  EResourceConnection,
  EResourceFilter,
  EResourceNotFoundError,
  EResourceSearchConnection,
  EResourceType,
  FileNotFoundError,
  IllegalEResourceTransitionError,
  InvalidEResourceError,
  LicenceType,
  LimitExceededError,
  NoLicenseError,
  NotLendableError,
  ReviewType,
  TextStatus,
  UnknownAgencyError,
  UpdateEResourceInput,
  UsageConnection,
  UsageRowType,
} from './eresources.types';
import { ipRangesService } from './ip-ranges.service';
import { eResourceSearchService } from './search.service';
import { UsageAction, UsageRow, logUsage, usageService } from './usage.service';

const isAccess = (v: unknown) => typeof v === 'object' && v !== null && 'files' in v && 'url' in v;
const WORKFLOW_ERRORS = [EResourceNotFoundError, IllegalEResourceTransitionError, InvalidEResourceError, NotPermittedError];
const resourceResult = (name: string, description: string, errors: Parameters<typeof resultUnion>[3]) =>
  resultUnion(name, description, { entity: EResource, type: EResourceType }, errors);

export const CreateEResourceResult = resourceResult('CreateEResourceResult', 'The new e-resource, or why it was refused.', [
  UnknownLibraryError,
  RecordNotFoundError,
  FileNotFoundError,
  InvalidEResourceError,
  NotPermittedError,
]);
export const UpdateEResourceResult = resourceResult('UpdateEResourceResult', 'The changed e-resource, or why it was refused.', [
  RecordNotFoundError,
  FileNotFoundError,
  ...WORKFLOW_ERRORS,
]);
export const EResourceWorkflowResult = resourceResult(
  'EResourceWorkflowResult',
  'The e-resource after a workflow step (submit, review, publish, withdraw), or why the step was refused.',
  WORKFLOW_ERRORS,
);
export const OpenEResourceResult = resultUnion(
  'OpenEResourceResult',
  'Signed links to read the e-resource now, or why not.',
  { entity: isAccess, type: EResourceAccessType },
  [EResourceNotFoundError, NoLicenseError, DigitalLoanRequiredError],
);
export const BorrowEResourceResult = resultUnion(
  'BorrowEResourceResult',
  'The digital loan, or why it was refused (LIMIT_EXCEEDED when every licence is out).',
  { entity: DigitalLoan, type: DigitalLoanType },
  [EResourceNotFoundError, NoLicenseError, LimitExceededError, NotLendableError, AlreadyBorrowedError, NotPermittedError],
);
export const ReturnEResourceResult = resultUnion(
  'ReturnEResourceResult',
  'The ended digital loan, or why not.',
  { entity: DigitalLoan, type: DigitalLoanType },
  [DigitalLoanNotFoundError],
);
export const CreateAgencyResult = resultUnion(
  'CreateAgencyResult',
  'The new agency, or why it was refused.',
  { entity: Agency, type: AgencyType },
  [UnknownLibraryError, DuplicateAgencyError, NotPermittedError],
);
export const CreateContributorResult = resultUnion(
  'CreateContributorResult',
  'The new CONTRIBUTOR account, or why it was refused.',
  { entity: Account, type: StaffAccountType },
  [UnknownAgencyError, DuplicateUsernameError, NotPermittedError],
);
export const SetLibraryIpRangesResult = resultUnion(
  'SetLibraryIpRangesResult',
  'The library with its new ranges, or why they were refused.',
  { entity: Library, type: LibraryType },
  [UnknownLibraryError, NotPermittedError],
);

@Resolver(() => EResourceType)
export class EResourceResolver {
  @Query(() => EResourceType, {
    nullable: true,
    description: 'An e-resource by id (null when it does not exist or is not visible). Counts as a view in the usage statistics.',
  })
  async eResource(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Global id of the e-resource.' }) id: string) {
    const r = await eResourcesService.get(ctx, decodeIdOf('EResource', id));
    if (r && r.status === EResourceStatus.PUBLISHED) await logUsage(ctx, r, UsageAction.INVESTIGATION);
    return r;
  }

  @Query(() => EResourceSearchConnection, {
    description:
      'Searches the digital library: descriptions and the full text of documents (PDF text layer, EPUB, text), folding case ' +
      'and Vietnamese diacritics like searchCatalog. Description hits come first; hits inside a document carry a snippet. ' +
      'Without a query it browses by title.',
  })
  searchEResources(
    @Ctx() ctx: Context,
    @Arg('query', () => String, { nullable: true, description: 'Words or a phrase (at most 500 characters).' }) q: string | null,
    @Arg('filter', () => EResourceFilter, { nullable: true, description: 'Conditions every hit must meet.' }) filter: EResourceFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return eResourceSearchService.search(ctx, q, filter ?? {}, first, after);
  }

  @Query(() => EResourceConnection, {
    description: "A contributor's view of their agency's documents, newest first, with the review decisions (contributors only).",
  })
  async myEResourceSubmissions(
    @Ctx() ctx: Context,
    @Arg('statuses', () => [EResourceStatus], { nullable: true, description: 'Only these statuses.' }) statuses: EResourceStatus[] | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    if (!ctx.viewer.isContributor) throw unauthenticated('Sign in with a contributor account.');
    const agency = await viewerAgency(ctx);
    const limit = pageSize(first);
    const cursor = decodeCursor('submissions', after);
    const afterId = cursor ? Number(cursor[0]) : null;
    if (cursor && !Number.isSafeInteger(afterId)) throw badInput('after is not a valid cursor', 'after');
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select ${ERESOURCE_COLUMNS} from e_resources e
        where e.agency_id = ? and (?::text[] is null or e.status = any(?::text[])) and (?::bigint is null or e.id < ?)
        order by e.id desc limit ?`,
      [
        agency?.id ?? 0,
        statuses?.length ? pgArray(ctx.em, statuses, 'text') : null,
        statuses?.length ? pgArray(ctx.em, statuses, 'text') : null,
        afterId,
        afterId,
        limit + 1,
      ],
    );
    const list = rows.map((r) => eResourceFromRow(r));
    return toPage(list, limit, (r) => encodeCursor('submissions', [r.id]), (r) => r);
  }

  @Query(() => UsageConnection, {
    description:
      'Usage per e-resource and month (UTC) with COUNTER 5.1 metrics (staff: their library; network admins: any). ' +
      '`npm run report:usage` writes the same as a COUNTER item report (TSV).',
  })
  eResourceUsage(
    @Ctx() ctx: Context,
    @Arg('from', { description: 'First month or day, yyyy-mm or yyyy-mm-dd.' }) from: string,
    @Arg('to', { description: 'Last month or day (inclusive), yyyy-mm or yyyy-mm-dd.' }) to: string,
    @Arg('libraryCode', () => String, { nullable: true, description: 'Owning library (default: your library; network admins: all).' }) libraryCode: string | null,
    @Arg('resourceId', () => ID, { nullable: true, description: 'Only this e-resource.' }) resourceId: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return usageService.report(ctx, { from, to, libraryCode: libraryCode ?? null, resourceId: resourceId ?? null, first: first ?? null, after: after ?? null });
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() r: EResource) {
    return toGlobalId('EResource', r.id);
  }

  @FieldResolver(() => String, { description: 'Identifier of the record in the OAI-PMH provider (/oai).' })
  oaiIdentifier(@Root() r: EResource) {
    return `oai:shelfnet:eresource:${r.id}`;
  }

  @FieldResolver(() => LibraryType, { description: 'The owning library.' })
  library(@Root() r: EResource, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(r.libraryId);
  }

  @FieldResolver(() => AgencyType, { nullable: true, description: 'The contributing agency (CONTRIBUTED only).' })
  agency(@Root() r: EResource, @Ctx() ctx: Context) {
    return r.agencyId === null ? null : ctx.loaders.agencyById.load(r.agencyId);
  }

  @FieldResolver(() => RecordType, {
    nullable: true,
    description: 'Its union-catalog record (linked by staff, or made from the description at publication).',
  })
  record(@Root() r: EResource, @Ctx() ctx: Context) {
    return r.recordId === null ? null : catalogService.record(ctx, r.recordId);
  }

  @FieldResolver(() => [EFileType], { description: 'Its files in reading order (open them with openEResource).' })
  files(@Root() r: EResource, @Ctx() ctx: Context) {
    return ctx.loaders.eFilesByResource.load(r.id);
  }

  @FieldResolver(() => LicenceType, { nullable: true, description: 'Licence terms (LICENSED only).' })
  licence(@Root() r: EResource) {
    if (r.kind !== EResourceKind.LICENSED) return null;
    return {
      provider: r.licenceProvider,
      startsOn: r.licenceStartsOn,
      endsOn: r.licenceEndsOn,
      concurrentUsers: r.licenceConcurrentUsers,
      onSiteOnly: r.licenceOnSiteOnly,
      notes: r.licenceNotes,
    };
  }

  @FieldResolver(() => Boolean, { description: 'Whether readers borrow it (a concurrent-user licence) instead of opening it directly.' })
  lendable(@Root() r: EResource) {
    return isLendable(r);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Licences free to borrow now (null: not lendable).' })
  async availableLicences(@Root() r: EResource, @Ctx() ctx: Context) {
    if (!isLendable(r)) return null;
    const rows = await query<{ n: string }>(ctx.em, 'select count(*) n from e_loans where e_resource_id = ? and returned_at is null and due_at > now()', [r.id]);
    return Math.max(0, r.licenceConcurrentUsers! - Number(rows[0].n));
  }

  @FieldResolver(() => ReviewType, { nullable: true, description: 'The review decision (seen by the contributing agency and library staff).' })
  async review(@Root() r: EResource, @Ctx() ctx: Context) {
    if (!r.reviewDecision || !r.reviewedAt) return null;
    if (!ctx.viewer.isStaff && !(await actorsOf(ctx, r)).includes('contributor')) return null;
    return { decision: r.reviewDecision, note: r.reviewNote, reviewedAt: r.reviewedAt };
  }

  @FieldResolver(() => [EResourceAction], { description: 'Workflow steps the viewer may take now.' })
  allowedActions(@Root() r: EResource, @Ctx() ctx: Context) {
    return eResourcesService.allowedActions(ctx, r);
  }

  @Mutation(() => CreateEResourceResult, {
    description:
      'Creates an e-resource. Staff: DIGITISED or LICENSED, DRAFT, of their library. Contributors: CONTRIBUTED, straight to ' +
      'review (SUBMITTED). Files are uploaded first to POST /files (see the README).',
  })
  createEResource(@Ctx() ctx: Context, @Arg('input', () => CreateEResourceInput, { description: 'The new e-resource.' }) input: CreateEResourceInput) {
    return eResourcesService.create(ctx, input);
  }

  @Mutation(() => UpdateEResourceResult, { description: 'Changes an e-resource (as its status allows: see allowedActions).' })
  updateEResource(@Ctx() ctx: Context, @Arg('input', () => UpdateEResourceInput, { description: 'The e-resource and its changes.' }) input: UpdateEResourceInput) {
    return eResourcesService.update(ctx, input);
  }

  @Mutation(() => EResourceWorkflowResult, { description: 'Sends a rejected contribution for review again (its contributing agency).' })
  submitEResource(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The e-resource.' }) id: string) {
    return eResourcesService.submit(ctx, id);
  }

  @Mutation(() => EResourceWorkflowResult, {
    description: 'Approves (PUBLISHED with the chosen access policy) or rejects a submitted contribution (staff of the owning library).',
  })
  reviewEResource(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The e-resource.' }) id: string,
    @Arg('decision', () => ReviewDecision, { description: 'APPROVE or REJECT.' }) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true, description: 'Note to the contributor (required to reject).' }) note: string | null,
    @Arg('accessPolicy', () => AccessPolicy, { nullable: true, description: 'Access policy when approving (default PUBLIC).' }) policy: AccessPolicy | null,
  ) {
    return eResourcesService.review(ctx, id, decision, note ?? null, policy ?? null);
  }

  @Mutation(() => EResourceWorkflowResult, { description: 'Publishes a draft or withdrawn e-resource (staff of the owning library).' })
  publishEResource(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The e-resource.' }) id: string,
    @Arg('accessPolicy', () => AccessPolicy, { nullable: true, description: 'New access policy (default: keep).' }) policy: AccessPolicy | null,
  ) {
    return eResourcesService.publish(ctx, id, policy ?? null);
  }

  @Mutation(() => EResourceWorkflowResult, { description: 'Withdraws a published e-resource: open digital loans end, harvesters see it deleted.' })
  withdrawEResource(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'The e-resource.' }) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why (kept in the audit log).' }) reason: string | null,
  ) {
    return eResourcesService.withdraw(ctx, id, reason ?? null);
  }

  @Mutation(() => OpenEResourceResult, {
    description:
      "Checks the access policy and licence for the viewer and returns short-lived signed links to the files (HTTP Range " +
      'supported: a reader pages through a large PDF without downloading it). Lendable resources need an open digital loan.',
  })
  openEResource(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The e-resource.' }) id: string) {
    return accessService.open(ctx, id);
  }

  @Mutation(() => BorrowEResourceResult, {
    description: 'Borrows a licensed e-resource (signed-in patrons) within its concurrent-user limit; access ends by itself at dueAt.',
  })
  borrowEResource(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The e-resource.' }) id: string) {
    return accessService.borrow(ctx, id);
  }

  @Mutation(() => ReturnEResourceResult, { description: "Returns a digital loan early, freeing its licence (the loan's or the e-resource's id)." })
  returnEResource(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The digital loan, or the e-resource you borrowed.' }) id: string) {
    return accessService.return(ctx, id);
  }

  @Mutation(() => CreateAgencyResult, { description: 'Creates a contributing agency reviewed by a provincial library (network or that library admins).' })
  createAgency(@Ctx() ctx: Context, @Arg('input', () => CreateAgencyInput, { description: 'The agency.' }) input: CreateAgencyInput) {
    return agenciesService.createAgency(ctx, input);
  }

  @Mutation(() => CreateContributorResult, { description: 'Creates a CONTRIBUTOR account of an agency (network admins or admins of its library).' })
  createContributorAccount(@Ctx() ctx: Context, @Arg('input', () => CreateContributorInput, { description: 'The account.' }) input: CreateContributorInput) {
    return agenciesService.createContributor(ctx, input);
  }

  @Mutation(() => SetLibraryIpRangesResult, {
    description: "Replaces a library's on-site IP ranges (CIDR, e.g. 203.113.0.0/24), used by ON_SITE access (its admins, network admins).",
  })
  setLibraryIpRanges(
    @Ctx() ctx: Context,
    @Arg('libraryCode', { description: 'The library.' }) libraryCode: string,
    @Arg('ranges', () => [String], { description: 'CIDR ranges or single addresses (at most 100).' }) ranges: string[],
  ) {
    return ipRangesService.set(ctx, libraryCode, ranges);
  }
}

@Resolver(() => EFileType)
export class EFileResolver {
  @FieldResolver(() => ID, { description: 'Opaque global id (use it in fileIds).' })
  id(@Root() f: EFile) {
    return toGlobalId('EResourceFile', f.id);
  }

  @FieldResolver(() => TextStatus, { description: 'Full-text extraction of this file (runs in the background after upload).' })
  async textExtraction(@Root() f: EFile, @Ctx() ctx: Context) {
    return ((await ctx.loaders.blobText.load(f.sha256))?.status ?? 'NONE') as TextStatus;
  }
}

@Resolver(() => DigitalLoanType)
export class DigitalLoanResolver {
  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() l: DigitalLoan) {
    return toGlobalId('DigitalLoan', l.id);
  }

  @FieldResolver(() => EResourceType, { description: 'The e-resource lent.' })
  eResource(@Root() l: DigitalLoan, @Ctx() ctx: Context) {
    return ctx.loaders.eResourceById.load(l.eResourceId);
  }

  @FieldResolver(() => Boolean, { description: 'Whether it gives access now (open and not past dueAt).' })
  active(@Root() l: DigitalLoan) {
    return l.returnedAt === null && l.dueAt.getTime() > Date.now();
  }
}

@Resolver(() => AgencyType)
export class AgencyResolver {
  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() a: Agency) {
    return toGlobalId('Agency', a.id);
  }

  @FieldResolver(() => LibraryType, { description: 'The library that reviews and owns its documents.' })
  library(@Root() a: Agency, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(a.libraryId);
  }
}

/** The digital library's fields on other modules' types (kept here so those modules stay as they are). */
@Resolver(() => RecordType)
export class RecordEResourcesResolver {
  @FieldResolver(() => [EResourceType], { description: 'Published e-resources of this record: read it online (digital library).' })
  async eResources(@Root() r: BibliographicRecord, @Ctx() ctx: Context) {
    const list = await ctx.loaders.eResourcesByRecord.load(r.id);
    return list.filter((e) => e.accessPolicy !== AccessPolicy.STAFF_ONLY || ctx.viewer.isStaff);
  }
}

@Resolver(() => LibraryType)
export class LibraryIpRangesResolver {
  @FieldResolver(() => [String], { nullable: true, description: 'On-site IP ranges for ON_SITE e-resources (its staff and network admins; null for others).' })
  ipRanges(@Root() l: Library, @Ctx() ctx: Context) {
    return ipRangesService.list(ctx, l);
  }
}

@Resolver(() => MeType)
export class MeEResourcesResolver {
  @FieldResolver(() => DigitalLoanConnection, { description: 'Digital loans of the signed-in patron, newest first (open ones first).' })
  async digitalLoans(
    @Ctx() ctx: Context,
    @Arg('activeOnly', () => Boolean, { nullable: true, description: 'Only loans that give access now (default true).' }) activeOnly: boolean | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    const limit = pageSize(first);
    if (!ctx.viewer.isPatron) return toPage([], limit, () => '', (x) => x);
    const cursor = decodeCursor('dloan', after);
    const afterId = cursor ? Number(cursor[0]) : null;
    if (cursor && !Number.isSafeInteger(afterId)) throw badInput('after is not a valid cursor', 'after');
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select * from e_loans where patron_id = ? and (not ? or (returned_at is null and due_at > now())) and (?::bigint is null or id < ?)
        order by id desc limit ?`,
      [ctx.viewer.patronId, activeOnly ?? true, afterId ?? null, afterId ?? null, limit + 1],
    );
    return toPage(rows.map((r) => ctx.em.map(DigitalLoan, r)), limit, (l) => encodeCursor('dloan', [l.id]), (l) => l);
  }

  @FieldResolver(() => AgencyType, { nullable: true, description: 'The agency of a signed-in contributor.' })
  agency(@Ctx() ctx: Context) {
    return viewerAgency(ctx);
  }
}

@Resolver(() => UsageRowType)
export class UsageRowResolver {
  @FieldResolver(() => EResourceType, { description: 'The e-resource.' })
  resource(@Root() row: UsageRow, @Ctx() ctx: Context) {
    return ctx.loaders.eResourceById.load(row.resourceId);
  }
}

export const ERESOURCE_RESOLVERS = [
  UsageRowResolver,
  EResourceResolver,
  EFileResolver,
  DigitalLoanResolver,
  AgencyResolver,
  RecordEResourcesResolver,
  LibraryIpRangesResolver,
  MeEResourcesResolver,
] as const;
