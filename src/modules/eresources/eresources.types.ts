import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { PageInfo, connectionType } from '../../common/pagination';
import { AccessPolicy, EResourceKind, EResourceStatus, ReviewDecision } from './eresource.entity';

registerEnumType(EResourceKind, {
  name: 'EResourceKind',
  description: 'Where an e-resource comes from.',
  valuesConfig: {
    DIGITISED: { description: 'Digitised by a library from its own collection (local history, Hán Nôm texts, newspapers).' },
    LICENSED: { description: 'An e-book or database a library licenses from a provider.' },
    CONTRIBUTED: { description: 'Handed over by a contributing agency (a provincial department) for the public.' },
  },
});

registerEnumType(EResourceStatus, {
  name: 'EResourceStatus',
  description: 'Workflow state of an e-resource.',
  valuesConfig: {
    DRAFT: { description: 'Being prepared by library staff; not visible to readers.' },
    SUBMITTED: { description: 'Sent by a contributor; waits for review by the owning library.' },
    PUBLISHED: { description: 'Visible to readers (within its access policy) and to harvesters.' },
    REJECTED: { description: 'Refused at review; the contributor may correct and resubmit it.' },
    WITHDRAWN: { description: 'No longer offered; harvesters see it as deleted.' },
  },
});

registerEnumType(AccessPolicy, {
  name: 'AccessPolicy',
  description: 'Who may open an e-resource.',
  valuesConfig: {
    PUBLIC: { description: 'Anyone, signed in or not.' },
    NETWORK_PATRONS: { description: 'Any active patron of the network (and staff).' },
    HOME_PATRONS: { description: 'Active patrons whose home library is the owning library (and staff).' },
    ON_SITE: { description: "Requests from the owning library's configured IP ranges (its reading rooms)." },
    STAFF_ONLY: { description: 'Library staff only; hidden from readers and harvesters.' },
  },
});

registerEnumType(ReviewDecision, {
  name: 'ReviewDecision',
  description: "The owning library's decision on a contributed document.",
  valuesConfig: {
    APPROVE: { description: 'Publish it (with the access policy chosen at review).' },
    REJECT: { description: 'Refuse it; the note tells the contributor why.' },
  },
});

export enum EResourceAction {
  UPDATE = 'UPDATE',
  SUBMIT = 'SUBMIT',
  REVIEW = 'REVIEW',
  PUBLISH = 'PUBLISH',
  WITHDRAW = 'WITHDRAW',
}
registerEnumType(EResourceAction, {
  name: 'EResourceAction',
  description: 'A workflow step on an e-resource.',
  valuesConfig: {
    UPDATE: { description: 'Change its description, files or policy (`updateEResource`).' },
    SUBMIT: { description: 'Send it for review (`submitEResource`).' },
    REVIEW: { description: 'Approve or reject it (`reviewEResource`).' },
    PUBLISH: { description: 'Publish it (`publishEResource`).' },
    WITHDRAW: { description: 'Withdraw it (`withdrawEResource`).' },
  },
});

export enum SearchMatch {
  METADATA = 'METADATA',
  FULL_TEXT = 'FULL_TEXT',
}
registerEnumType(SearchMatch, {
  name: 'EResourceSearchMatch',
  description: 'Where a search hit matched.',
  valuesConfig: {
    METADATA: { description: 'In the description (title, creators, subjects…).' },
    FULL_TEXT: { description: 'Only inside the document text; `snippet` shows where.' },
  },
});

export enum CatalogAccess {
  PHYSICAL = 'PHYSICAL',
  ONLINE = 'ONLINE',
}
registerEnumType(CatalogAccess, {
  name: 'CatalogAccess',
  description: 'How a catalog record can be used: copies on shelves, or online through the digital library.',
  valuesConfig: {
    PHYSICAL: { description: 'At least one copy (book, disc…) held by a library.' },
    ONLINE: { description: 'At least one published e-resource.' },
  },
});

export enum CounterMetric {
  Total_Item_Investigations = 'Total_Item_Investigations',
  Unique_Item_Investigations = 'Unique_Item_Investigations',
  Total_Item_Requests = 'Total_Item_Requests',
  Unique_Item_Requests = 'Unique_Item_Requests',
  No_License = 'No_License',
  Limit_Exceeded = 'Limit_Exceeded',
}
registerEnumType(CounterMetric, {
  name: 'CounterMetric',
  description: 'COUNTER Release 5.1 metric types of the item report.',
  valuesConfig: {
    Total_Item_Investigations: { description: 'Views of the description plus opens (every request is also an investigation).' },
    Unique_Item_Investigations: { description: 'Sessions (a reader-day) that viewed or opened the item.' },
    Total_Item_Requests: { description: 'Opens of the content (signed file links issued, digital loans opened).' },
    Unique_Item_Requests: { description: 'Sessions (a reader-day) that opened the content.' },
    No_License: { description: 'Opens refused because the policy or licence does not cover the reader.' },
    Limit_Exceeded: { description: 'Borrows or opens refused because every concurrent licence was in use.' },
  },
});

@ObjectType('EResourceLicence', { simpleResolvers: true, description: 'Terms under which a library licenses an e-resource.' })
export class LicenceType {
  @Field(() => String, { nullable: true, description: 'Provider (publisher or aggregator).' })
  provider!: string | null;

  @Field(() => String, { nullable: true, description: 'First day of the licence (yyyy-mm-dd); null: no start limit.' })
  startsOn!: string | null;

  @Field(() => String, { nullable: true, description: 'Last day of the licence (yyyy-mm-dd); after it nobody can open the resource.' })
  endsOn!: string | null;

  @Field(() => Int, { nullable: true, description: 'Readers who may have it at once (digital loans); null: unlimited, opened without borrowing.' })
  concurrentUsers!: number | null;

  @Field({ description: "Only from the owning library's IP ranges, whatever the access policy." })
  onSiteOnly!: boolean;

  @Field(() => String, { nullable: true, description: 'Notes on the licence terms.' })
  notes!: string | null;
}

@ObjectType('EResourceReview', { simpleResolvers: true, description: 'The decision taken at review.' })
export class ReviewType {
  @Field(() => ReviewDecision, { description: 'Approved or rejected.' })
  decision!: ReviewDecision;

  @Field(() => String, { nullable: true, description: 'Note of the reviewer to the contributor.' })
  note!: string | null;

  @Field({ description: 'When it was decided.' })
  reviewedAt!: Date;
}

@ObjectType('EResource', {
  simpleResolvers: true,
  implements: Node,
  description: 'An item of the digital library, described in Dublin Core (dc:title, dc:creator…).',
})
export class EResourceType extends Node {
  @Field(() => EResourceKind, { description: 'Digitised, licensed or contributed.' })
  kind!: EResourceKind;

  @Field(() => EResourceStatus, { description: 'Workflow state.' })
  status!: EResourceStatus;

  @Field(() => AccessPolicy, { description: 'Who may open it.' })
  accessPolicy!: AccessPolicy;

  @Field({ description: 'dc:title.' })
  title!: string;

  @Field(() => [String], { description: 'dc:creator: authors, in order.' })
  creators!: string[];

  @Field(() => [String], { description: 'dc:subject: subject headings or keywords.' })
  subjects!: string[];

  @Field(() => String, { nullable: true, description: 'dc:description: abstract or summary.' })
  description!: string | null;

  @Field(() => String, { nullable: true, description: 'dc:publisher.' })
  publisher!: string | null;

  @Field(() => [String], { description: 'dc:contributor: editors, translators, digitisers.' })
  contributors!: string[];

  @Field(() => String, { nullable: true, description: 'dc:date (W3C-DTF: yyyy, yyyy-mm or yyyy-mm-dd).' })
  date!: string | null;

  @Field(() => String, { nullable: true, description: 'dc:type (DCMI Type Vocabulary, e.g. Text, Image, Sound, MovingImage).' })
  type!: string | null;

  @Field(() => String, { nullable: true, description: 'dc:format: media type; by default that of the first file.' })
  format!: string | null;

  @Field(() => [String], { description: 'dc:identifier: ISBN, call number, handle… (the OAI identifier is separate).' })
  identifiers!: string[];

  @Field(() => String, { nullable: true, description: 'dc:source: the printed original a digitised item comes from.' })
  source!: string | null;

  @Field(() => String, { nullable: true, description: 'dc:language, ISO 639-2 code (e.g. vie).' })
  language!: string | null;

  @Field(() => [String], { description: 'dc:relation: related resources.' })
  relations!: string[];

  @Field(() => String, { nullable: true, description: 'dc:coverage: place or period covered (e.g. "Bình Định, 1945-1975").' })
  coverage!: string | null;

  @Field(() => String, { nullable: true, description: 'dc:rights: copyright and reuse statement.' })
  rights!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the resource is read when it is not a file here (a provider platform).' })
  externalUrl!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was (last) published.' })
  publishedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was withdrawn.' })
  withdrawnAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a contributor submitted it.' })
  submittedAt!: Date | null;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;
}

@ObjectType('EResourceFile', { simpleResolvers: true, implements: Node, description: 'A file of an e-resource (or an upload not yet attached).' })
export class EFileType extends Node {
  @Field({ description: 'File name as uploaded (no path).' })
  filename!: string;

  @Field({ description: 'Media type, sniffed from the bytes (application/pdf, application/epub+zip, image/jpeg…).' })
  contentType!: string;

  @Field(() => Float, { description: 'Size in bytes.' })
  size!: number;

  @Field({ description: 'SHA-256 of the bytes (hex): the same bytes are stored once.' })
  sha256!: string;

  @Field({ description: 'When it was uploaded.' })
  uploadedAt!: Date;
}

export enum TextStatus {
  PENDING = 'PENDING',
  WORKING = 'WORKING',
  DONE = 'DONE',
  NONE = 'NONE',
  FAILED = 'FAILED',
}
registerEnumType(TextStatus, {
  name: 'TextExtractionStatus',
  description: 'Where full-text extraction of a file stands (it runs in the background after upload).',
  valuesConfig: {
    PENDING: { description: 'Waiting for the extractor.' },
    WORKING: { description: 'Being extracted now.' },
    DONE: { description: 'Text extracted and searchable.' },
    NONE: { description: 'No text to extract (image, audio, video, or a PDF without a text layer).' },
    FAILED: { description: 'Extraction failed (damaged file, or over the limits); the file itself is fine to open.' },
  },
});

@ObjectType('DigitalLoan', { simpleResolvers: true, implements: Node, description: 'A licensed e-resource lent to a patron for a period.' })
export class DigitalLoanType extends Node {
  @Field({ description: 'When it was borrowed.' })
  borrowedAt!: Date;

  @Field({ description: 'When access ends by itself.' })
  dueAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it ended (returned, expired or withdrawn); null while open.' })
  returnedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'How it ended: RETURNED, EXPIRED or WITHDRAWN.' })
  endedBy!: string | null;
}

@ObjectType('Agency', { simpleResolvers: true, implements: Node, description: 'A contributing agency (e.g. a provincial department).' })
export class AgencyType extends Node {
  @Field({ description: 'Unique code, e.g. `SNN-BDI`.' })
  code!: string;

  @Field({ description: 'Name.' })
  name!: string;
}

@ObjectType('EResourceAccess', { description: 'How to read an e-resource now: a short-lived signed link.' })
export class EResourceAccessType {
  @Field({ description: 'Signed link to the first file (supports HTTP Range), or the external URL.' })
  url!: string;

  @Field(() => Date, { nullable: true, description: 'When the signed link stops working (null for an external URL).' })
  expiresAt!: Date | null;

  @Field(() => [EFileAccessType], { description: 'Signed links to every file of the resource, in order.' })
  files!: EFileAccessType[];
}

@ObjectType('EResourceFileAccess', { description: 'A signed link to one file.' })
export class EFileAccessType {
  @Field(() => EFileType, { description: 'The file.' })
  file!: unknown;

  @Field({ description: 'Signed link (supports HTTP Range).' })
  url!: string;
}

@ObjectType('TextRange', { simpleResolvers: true, description: 'A stretch of a text (UTF-16 offsets, as JavaScript strings count).' })
export class TextRangeType {
  @Field(() => Int, { description: 'Offset of the first character.' })
  start!: number;

  @Field(() => Int, { description: 'Number of characters.' })
  length!: number;
}

@ObjectType('TextSnippet', { simpleResolvers: true, description: 'A short passage of a document around a search hit.' })
export class TextSnippetType {
  @Field({ description: 'The passage, as written in the document.' })
  text!: string;

  @Field(() => [TextRangeType], { description: 'Where the query words are in `text` (to highlight them).' })
  highlights!: TextRangeType[];

  @Field(() => Int, { nullable: true, description: 'PDF page or EPUB chapter (1-based); null for plain text.' })
  page!: number | null;
}

@ObjectType('EResourceSearchEdge', { description: 'A search hit.' })
export class EResourceSearchEdge {
  @Field({ description: 'Opaque cursor of this hit; pass it as `after`.' })
  cursor!: string;

  @Field(() => EResourceType, { description: 'The e-resource.' })
  node!: unknown;

  @Field(() => Float, {
    nullable: true,
    description: 'Relevance of a description hit (higher is better); null for hits listed newest first (in-text hits, very broad queries) and when browsing.',
  })
  score!: number | null;

  @Field(() => SearchMatch, { nullable: true, description: 'Where it matched; null when browsing.' })
  matchedIn!: SearchMatch | null;

  @Field(() => TextSnippetType, { nullable: true, description: 'For FULL_TEXT hits: the passage of the document that matched.' })
  snippet!: TextSnippetType | null;
}

@ObjectType('EResourceSearchConnection', {
  description: 'E-resources matching a search: description matches first (ranked), then hits only inside documents (newest first).',
})
export class EResourceSearchConnection {
  @Field(() => [EResourceSearchEdge], { description: 'The hits of this page.' })
  edges!: EResourceSearchEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of matching e-resources (estimated from statistics when totalCountExact is false).' })
  totalCount!: number;

  @Field({ description: 'False for very broad queries: totalCount is then an estimate.' })
  totalCountExact!: boolean;
}

@ObjectType('EResourceConnection', { description: 'A page of e-resources, newest first.' })
export class EResourceConnection extends connectionType('EResource', EResourceType) {}

@ObjectType('DigitalLoanConnection', { description: 'A page of digital loans, newest first.' })
export class DigitalLoanConnection extends connectionType('DigitalLoan', DigitalLoanType) {}

@ObjectType('CounterMetricCount', { simpleResolvers: true, description: 'One COUNTER metric and its count.' })
export class MetricCountType {
  @Field(() => CounterMetric, { description: 'COUNTER 5.1 metric type.' })
  metric!: CounterMetric;

  @Field(() => Int, { description: 'Count in the month.' })
  count!: number;
}

@ObjectType('EResourceUsageRow', { description: 'Usage of one e-resource in one month.' })
export class UsageRowType {
  @Field(() => EResourceType, { description: 'The e-resource.' })
  resource!: unknown;

  @Field({ description: 'Month, yyyy-mm (UTC).' })
  month!: string;

  @Field(() => [MetricCountType], { description: 'Every metric, in COUNTER order (zeros included).' })
  metrics!: MetricCountType[];
}

@ObjectType('EResourceUsageEdge', { description: 'An edge to a usage row.' })
export class UsageEdge {
  @Field({ description: 'Opaque cursor; pass it as `after`.' })
  cursor!: string;

  @Field(() => UsageRowType, { description: 'The row.' })
  node!: UsageRowType;
}

@ObjectType('EResourceUsageConnection', { description: 'Usage per e-resource and month (COUNTER item report), by resource then month.' })
export class UsageConnection {
  @Field(() => [UsageEdge], { description: 'The rows of this page.' })
  edges!: UsageEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits.' })
  pageInfo!: PageInfo;
}

@ObjectType('CatalogAccessFacet', { description: 'Matching records by how they can be used.' })
export class CatalogAccessFacet {
  @Field(() => CatalogAccess, { description: 'Copies on shelves, or online.' })
  access!: CatalogAccess;

  @Field(() => Int, { description: 'Matching records (a record with both counts in both).' })
  count!: number;
}

// ------------------------------------------------------------------------------------------------
// inputs

@InputType('LicenceInput', { description: 'Licence terms of a LICENSED e-resource.' })
export class LicenceInput {
  @Field(() => String, { nullable: true, description: 'Provider.' })
  provider?: string | null;

  @Field(() => String, { nullable: true, description: 'First day (yyyy-mm-dd).' })
  startsOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Last day (yyyy-mm-dd).' })
  endsOn?: string | null;

  @Field(() => Int, { nullable: true, description: 'Concurrent users (1-100000); null: unlimited, no borrowing.' })
  concurrentUsers?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Only from the owning library's IP ranges (default false)." })
  onSiteOnly?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Notes.' })
  notes?: string | null;
}

@InputType('EResourceDescriptionInput', { description: 'Dublin Core description; lists replace, null clears.' })
export class DescriptionInput {
  @Field(() => String, { nullable: true, description: 'dc:title (required on creation).' })
  title?: string | null;

  @Field(() => [String], { nullable: true, description: 'dc:creator (at most 50).' })
  creators?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'dc:subject (at most 50).' })
  subjects?: string[] | null;

  @Field(() => String, { nullable: true, description: 'dc:description (line breaks kept, at most 20,000 characters).' })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'dc:publisher.' })
  publisher?: string | null;

  @Field(() => [String], { nullable: true, description: 'dc:contributor (at most 50).' })
  contributors?: string[] | null;

  @Field(() => String, { nullable: true, description: 'dc:date, W3C-DTF (yyyy, yyyy-mm or yyyy-mm-dd).' })
  date?: string | null;

  @Field(() => String, { nullable: true, description: 'dc:type (DCMI Type, e.g. Text); default from the files.' })
  type?: string | null;

  @Field(() => String, { nullable: true, description: 'dc:format (media type); default from the first file.' })
  format?: string | null;

  @Field(() => [String], { nullable: true, description: 'dc:identifier (at most 20).' })
  identifiers?: string[] | null;

  @Field(() => String, { nullable: true, description: 'dc:source.' })
  source?: string | null;

  @Field(() => String, { nullable: true, description: 'dc:language, ISO 639-2 code (vie, eng, fra, chi…).' })
  language?: string | null;

  @Field(() => [String], { nullable: true, description: 'dc:relation (at most 20).' })
  relations?: string[] | null;

  @Field(() => String, { nullable: true, description: 'dc:coverage.' })
  coverage?: string | null;

  @Field(() => String, { nullable: true, description: 'dc:rights.' })
  rights?: string | null;
}

@InputType('CreateEResourceInput', {
  description:
    'A new e-resource. Staff create DIGITISED or LICENSED ones for their library (DRAFT); a CONTRIBUTOR creates a ' +
    'CONTRIBUTED one for their agency, which goes straight to review (SUBMITTED).',
})
export class CreateEResourceInput {
  @Field(() => EResourceKind, { description: 'DIGITISED or LICENSED (staff); CONTRIBUTED (contributors, always).' })
  kind!: EResourceKind;

  @Field(() => String, { nullable: true, description: "Owning library (staff; default the viewer's library). Ignored for contributors." })
  libraryCode?: string | null;

  @Field(() => DescriptionInput, { description: 'Dublin Core description; title required.' })
  description!: DescriptionInput;

  @Field(() => [ID], { nullable: true, description: 'Uploaded files (ids from POST /files), in reading order (at most 50).' })
  fileIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'External access URL (http or https) instead of, or besides, files.' })
  externalUrl?: string | null;

  @Field(() => ID, { nullable: true, description: 'Union-catalog record this is a digital form of (staff).' })
  recordId?: string | null;

  @Field(() => AccessPolicy, { nullable: true, description: 'Who may open it (default PUBLIC; for contributions, the reviewer decides).' })
  accessPolicy?: AccessPolicy | null;

  @Field(() => LicenceInput, { nullable: true, description: 'Licence terms (LICENSED only).' })
  licence?: LicenceInput | null;

  @Field(() => Int, { nullable: true, description: 'Digital loan period in days (default from the circulation policy for DIGITAL).' })
  loanDays?: number | null;
}

@InputType('UpdateEResourceInput', { description: 'Changes to an e-resource: only the fields given change.' })
export class UpdateEResourceInput {
  @Field(() => ID, { description: 'The e-resource.' })
  id!: string;

  @Field(() => DescriptionInput, { nullable: true, description: 'Description fields to change.' })
  description?: DescriptionInput | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the files (in order); files no longer used stay stored while other resources use the bytes.' })
  fileIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'New external URL; empty string clears it.' })
  externalUrl?: string | null;

  @Field(() => ID, { nullable: true, description: 'Link to this catalog record (staff); empty string unlinks.' })
  recordId?: string | null;

  @Field(() => AccessPolicy, { nullable: true, description: 'New access policy (staff).' })
  accessPolicy?: AccessPolicy | null;

  @Field(() => LicenceInput, { nullable: true, description: 'New licence terms (LICENSED, staff).' })
  licence?: LicenceInput | null;

  @Field(() => Int, { nullable: true, description: 'New digital loan period in days (staff).' })
  loanDays?: number | null;
}

@InputType('EResourceFilter', { description: 'Narrows an e-resource search; all given conditions must hold.' })
export class EResourceFilter {
  @Field(() => [EResourceKind], { nullable: true, description: 'One of these kinds.' })
  kinds?: EResourceKind[] | null;

  @Field(() => [String], { nullable: true, description: 'Owned by one of these libraries.' })
  libraryCodes?: string[] | null;

  @Field(() => [AccessPolicy], { nullable: true, description: 'With one of these access policies.' })
  accessPolicies?: AccessPolicy[] | null;

  @Field(() => [String], { nullable: true, description: 'In one of these languages (ISO 639-2).' })
  languages?: string[] | null;

  @Field(() => [EResourceStatus], {
    nullable: true,
    description: 'Staff only: these statuses (of their own library; network admins: all). Others always see PUBLISHED.',
  })
  statuses?: EResourceStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Contributed by this agency (code).' })
  agencyCode?: string | null;
}

@InputType('CreateAgencyInput', { description: 'A new contributing agency.' })
export class CreateAgencyInput {
  @Field({ description: 'Unique code (A-Z, 0-9, hyphen), e.g. SNN-BDI.' })
  code!: string;

  @Field({ description: 'Name, e.g. "Sở Nông nghiệp và Phát triển nông thôn Bình Định".' })
  name!: string;

  @Field({ description: 'The library that reviews and owns its documents (a provincial library).' })
  libraryCode!: string;
}

@InputType('CreateContributorInput', { description: 'A CONTRIBUTOR account for an agency.' })
export class CreateContributorInput {
  @Field({ description: 'Agency code.' })
  agencyCode!: string;

  @Field({ description: 'Login name (2-64: a-z, 0-9, . _ -).' })
  username!: string;

  @Field({ description: 'Initial password (at least 12 characters).' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Name shown to reviewers.' })
  displayName?: string | null;
}

// ------------------------------------------------------------------------------------------------
// errors

@ObjectType({ implements: ErrorResult, description: 'No e-resource has this id (or it is not visible to you).' })
export class EResourceNotFoundError extends ErrorResult {
  constructor(message = 'No such e-resource.') {
    super();
    this.errorCode = ErrorCode.ERESOURCE_NOT_FOUND;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'An uploaded file that does not exist, is not yours, or is used by another e-resource.' })
export class FileNotFoundError extends ErrorResult {
  @Field(() => ID, { description: 'The file id as given.' })
  fileId: string;

  constructor(message: string, fileId: string) {
    super();
    this.errorCode = ErrorCode.FILE_NOT_FOUND;
    this.message = message;
    this.fileId = fileId;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The e-resource is incomplete or inconsistent for this step.' })
export class InvalidEResourceError extends ErrorResult {
  @Field(() => String, { description: 'The input field at fault.' })
  field: string;

  constructor(message: string, field: string) {
    super();
    this.errorCode = ErrorCode.INVALID_ERESOURCE;
    this.message = message;
    this.field = field;
  }
}

@ObjectType({ implements: ErrorResult, description: "The e-resource's status does not allow this step." })
export class IllegalEResourceTransitionError extends ErrorResult {
  @Field(() => EResourceStatus, { description: 'Its status now.' })
  status: EResourceStatus;

  @Field(() => [EResourceAction], { description: 'Steps the viewer may take now.' })
  allowedActions: EResourceAction[];

  constructor(message: string, status: EResourceStatus, allowedActions: EResourceAction[]) {
    super();
    this.errorCode = ErrorCode.ILLEGAL_ERESOURCE_TRANSITION;
    this.message = message;
    this.status = status;
    this.allowedActions = allowedActions;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The access policy or licence does not cover this viewer now (COUNTER No_License).' })
export class NoLicenseError extends ErrorResult {
  @Field(() => AccessPolicy, { description: 'The policy that refused.' })
  accessPolicy: AccessPolicy;

  constructor(message: string, accessPolicy: AccessPolicy) {
    super();
    this.errorCode = ErrorCode.NO_LICENSE;
    this.message = message;
    this.accessPolicy = accessPolicy;
  }
}

@ObjectType({ implements: ErrorResult, description: 'Every concurrent licence is lent out (COUNTER Limit_Exceeded).' })
export class LimitExceededError extends ErrorResult {
  @Field(() => Int, { description: 'Concurrent users the licence allows.' })
  concurrentUsers: number;

  @Field(() => Date, { nullable: true, description: 'When the first licence comes back at the latest.' })
  nextAvailableAt: Date | null;

  constructor(message: string, concurrentUsers: number, nextAvailableAt: Date | null) {
    super();
    this.errorCode = ErrorCode.LIMIT_EXCEEDED;
    this.message = message;
    this.concurrentUsers = concurrentUsers;
    this.nextAvailableAt = nextAvailableAt;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The e-resource is opened directly, not borrowed (no concurrent-user licence).' })
export class NotLendableError extends ErrorResult {
  constructor(message = 'This e-resource is not lent: open it directly.') {
    super();
    this.errorCode = ErrorCode.NOT_LENDABLE;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The e-resource is lent within a concurrent-user licence: borrow it first.' })
export class DigitalLoanRequiredError extends ErrorResult {
  constructor(message = 'Borrow this e-resource first (borrowEResource): its licence limits concurrent readers.') {
    super();
    this.errorCode = ErrorCode.DIGITAL_LOAN_REQUIRED;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The patron already has this e-resource on loan.' })
export class AlreadyBorrowedError extends ErrorResult {
  @Field(() => DigitalLoanType, { description: 'The open loan.' })
  loan: unknown;

  constructor(message: string, loan: unknown) {
    super();
    this.errorCode = ErrorCode.ALREADY_BORROWED;
    this.message = message;
    this.loan = loan;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No open digital loan has this id (or it is not yours).' })
export class DigitalLoanNotFoundError extends ErrorResult {
  constructor(message = 'No such open digital loan.') {
    super();
    this.errorCode = ErrorCode.DIGITAL_LOAN_NOT_FOUND;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No contributing agency has this code.' })
export class UnknownAgencyError extends ErrorResult {
  @Field(() => String, { description: 'The code as given.' })
  agencyCode: string;

  constructor(message: string, agencyCode: string) {
    super();
    this.errorCode = ErrorCode.UNKNOWN_AGENCY;
    this.message = message;
    this.agencyCode = agencyCode;
  }
}

@ObjectType({ implements: ErrorResult, description: 'Another agency already has this code.' })
export class DuplicateAgencyError extends ErrorResult {
  constructor(message: string) {
    super();
    this.errorCode = ErrorCode.DUPLICATE_AGENCY;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'Another account already has this username.' })
export class DuplicateUsernameError extends ErrorResult {
  constructor(message: string) {
    super();
    this.errorCode = ErrorCode.DUPLICATE_USERNAME;
    this.message = message;
  }
}
