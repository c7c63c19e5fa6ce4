import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { PageInfo, connectionType } from '../../common/pagination';
import { LibraryType } from '../libraries/library.types';
import { ItemStatus } from './item.entity';
import { RecordFormat } from './record.entity';
import { CatalogAccess, CatalogAccessFacet } from '../eresources/eresources.types';

registerEnumType(RecordFormat, {
  name: 'RecordFormat',
  description: 'Physical or digital form of a publication.',
  valuesConfig: {
    BOOK: { description: 'Printed book.' },
    SERIAL: { description: 'Newspaper, magazine or journal (has an ISSN).' },
    MAP: { description: 'Map or atlas.' },
    AUDIO: { description: 'Sound recording.' },
    VIDEO: { description: 'Film or video recording.' },
    MANUSCRIPT: { description: 'Handwritten document.' },
    DIGITAL: { description: 'Digital document or e-book.' },
    OTHER: { description: 'Anything else.' },
  },
});
registerEnumType(ItemStatus, {
  name: 'ItemStatus',
  description: 'Where a copy is and whether it can be lent.',
  valuesConfig: {
    AVAILABLE: { description: 'On the shelf, can be lent.' },
    ON_LOAN: { description: 'Lent to a reader or a library.' },
    ON_HOLD_SHELF: { description: 'Waiting for the reader who placed a hold.' },
    IN_TRANSIT: { description: 'Travelling between libraries.' },
    IN_PROCESSING: { description: 'Being catalogued, bound or repaired.' },
    MISSING: { description: 'Not found on the shelf.' },
    DAMAGED: { description: 'Damaged, not lent.' },
    WITHDRAWN: { description: 'No longer part of the collection.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'A person or body responsible for a work.' })
export class Contributor {
  @Field({ description: 'Name as written, e.g. "Nguyễn Du".' })
  name!: string;

  @Field({ description: 'Role, e.g. author, editor, translator, illustrator.' })
  role!: string;
}

@ObjectType('BibliographicRecord', {
  simpleResolvers: true,
  implements: Node,
  description: 'One union-catalog entry, shared by every library that holds a copy.',
})
export class RecordType extends Node {
  @Field({ description: 'Title proper.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'Subtitle or other title information.' })
  subtitle!: string | null;

  @Field(() => [Contributor], { description: 'Authors, editors, translators… in catalogue order.' })
  contributors!: Contributor[];

  @Field(() => String, { nullable: true, description: 'Publisher.' })
  publisher!: string | null;

  @Field(() => String, { nullable: true, description: 'Place of publication.' })
  place!: string | null;

  @Field(() => Int, { nullable: true, description: 'Year of publication.' })
  year!: number | null;

  @Field(() => String, { nullable: true, description: 'Edition statement.' })
  edition!: string | null;

  @Field(() => [String], { description: 'ISBNs, normalised to ISBN-13 without hyphens.' })
  isbns!: string[];

  @Field(() => String, { nullable: true, description: 'ISSN (serials), as NNNN-NNNC.' })
  issn!: string | null;

  @Field(() => String, { nullable: true, description: 'Language, ISO 639-2 code (e.g. vie, eng).' })
  language!: string | null;

  @Field(() => [String], { description: 'Subject headings.' })
  subjects!: string[];

  @Field(() => String, { nullable: true, description: 'Dewey Decimal Classification number.' })
  ddc!: string | null;

  @Field(() => RecordFormat, { description: 'Form of the publication.' })
  format!: RecordFormat;

  @Field(() => String, { nullable: true, description: 'Summary or notes.' })
  description!: string | null;

  @Field({ description: 'When the record was created.' })
  createdAt!: Date;

  @Field({ description: 'When the record last changed.' })
  updatedAt!: Date;
}

@ObjectType('Item', {
  simpleResolvers: true, implements: Node, description: 'One physical copy, owned by one library.' })
export class ItemType extends Node {
  @Field({ description: 'Barcode, unique in the network.' })
  barcode!: string;

  @Field(() => String, { nullable: true, description: 'Shelving location, e.g. "Kho mở tầng 1".' })
  location!: string | null;

  @Field(() => String, { nullable: true, description: 'Call number.' })
  callNumber!: string | null;

  @Field(() => ItemStatus, { description: 'Current status.' })
  status!: ItemStatus;

  @Field({ description: 'Whether the copy may be lent to readers.' })
  loanable!: boolean;

  @Field({ description: 'Whether the copy may be lent to other libraries.' })
  lendable!: boolean;

  @Field(() => String, { nullable: true, description: 'Staff notes.' })
  notes!: string | null;

  @Field({ description: 'When the copy was added.' })
  createdAt!: Date;

  @Field({ description: 'When the copy last changed.' })
  updatedAt!: Date;
}

@ObjectType('ItemConnection', { description: 'A page of copies, ordered by when they were added.' })
export class ItemConnection extends connectionType('Item', ItemType) {}

@ObjectType('LibraryHoldings', {
  simpleResolvers: true, description: "One library's copies of a record." })
export class LibraryHoldingsType {
  @Field(() => LibraryType, { description: 'The holding library.' })
  library!: LibraryType;

  @Field(() => Int, { description: 'Copies held (withdrawn ones excluded).' })
  totalCount!: number;

  @Field(() => Int, { description: 'Copies on the shelf now (status AVAILABLE).' })
  availableCount!: number;

  @Field(() => Int, { description: 'Published e-resources of this record the library offers online (digital library).' })
  onlineCount!: number;
}

@ObjectType('LibraryFacet', { description: 'Number of matching records a library holds.' })
export class LibraryFacet {
  @Field(() => LibraryType, { description: 'The library.' })
  library!: LibraryType;

  @Field(() => Int, { description: 'Matching records it holds.' })
  count!: number;
}

@ObjectType('FormatFacet', { description: 'Number of matching records of a format.' })
export class FormatFacet {
  @Field(() => RecordFormat, { description: 'The format.' })
  format!: RecordFormat;

  @Field(() => Int, { description: 'Matching records.' })
  count!: number;
}

@ObjectType('LanguageFacet', { description: 'Number of matching records in a language.' })
export class LanguageFacet {
  @Field(() => String, { nullable: true, description: 'ISO 639-2 code; null for records without one.' })
  language!: string | null;

  @Field(() => Int, { description: 'Matching records.' })
  count!: number;
}

@ObjectType('SearchFacets', { description: 'Counts of all matching records (not only this page), largest first.' })
export class SearchFacets {
  @Field({ description: 'False for very broad queries, whose counts are estimated from a sample of the catalog.' })
  exact!: boolean;

  @Field(() => [LibraryFacet], { description: 'By holding library.' })
  libraries!: LibraryFacet[];

  @Field(() => [FormatFacet], { description: 'By format.' })
  formats!: FormatFacet[];

  @Field(() => [LanguageFacet], { description: 'By language.' })
  languages!: LanguageFacet[];

  @Field(() => [CatalogAccessFacet], { description: 'Books and other copies on shelves (PHYSICAL) versus online items of the digital library (ONLINE).' })
  access!: CatalogAccessFacet[];
}

@ObjectType('CatalogSearchEdge', { description: 'A search hit.' })
export class CatalogSearchEdge {
  @Field({ description: 'Opaque cursor of this hit; pass it as `after`.' })
  cursor!: string;

  @Field(() => RecordType, { description: 'The record.' })
  node!: RecordType;

  @Field(() => Float, { nullable: true, description: 'Relevance (higher is better); null when browsing.' })
  score!: number | null;
}

@ObjectType('CatalogSearchConnection', { description: 'Search results, most relevant first (browse: by title).' })
export class CatalogSearchConnection {
  @Field(() => [CatalogSearchEdge], { description: 'The hits of this page.' })
  edges!: CatalogSearchEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of matching records (an estimate when totalCountExact is false).' })
  totalCount!: number;

  @Field({
    description:
      'False for very broad queries (thousands of matches, e.g. one very common word): totalCount is then estimated ' +
      'from a sample, and results list exact title matches first, then the other matches newest first.',
  })
  totalCountExact!: boolean;

  @Field(() => SearchFacets, { description: 'Counts by library, format and language over all matches.' })
  facets!: SearchFacets;
}

@InputType({ description: 'Narrows a catalog search; all given conditions must hold.' })
export class CatalogFilter {
  @Field(() => [String], { nullable: true, description: 'Held by at least one of these libraries.' })
  libraryCodes?: string[] | null;

  @Field(() => [RecordFormat], { nullable: true, description: 'One of these formats.' })
  formats?: RecordFormat[] | null;

  @Field(() => [String], { nullable: true, description: 'One of these languages (ISO 639-2).' })
  languages?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Published in or after this year.' })
  yearFrom?: number | null;

  @Field(() => Int, { nullable: true, description: 'Published in or before this year.' })
  yearTo?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Only records with a copy on the shelf now (in `libraryCodes` when given).',
  })
  availableOnly?: boolean | null;

  @Field(() => [CatalogAccess], { nullable: true, description: 'Only records usable this way: PHYSICAL (copies held) or ONLINE (digital library).' })
  access?: CatalogAccess[] | null;
}

@InputType({ description: 'A contributor of a record.' })
export class ContributorInput {
  @Field({ description: 'Name as written.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Role (default author).' })
  role?: string | null;
}

@InputType({ description: 'A new bibliographic record.' })
export class CreateRecordInput {
  @Field({ description: 'Title proper.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'Subtitle or other title information.' })
  subtitle?: string | null;

  @Field(() => [ContributorInput], { nullable: true, description: 'Authors, editors, translators… in catalogue order (at most 100).' })
  contributors?: ContributorInput[] | null;

  @Field(() => String, { nullable: true, description: 'Publisher.' })
  publisher?: string | null;

  @Field(() => String, { nullable: true, description: 'Place of publication.' })
  place?: string | null;

  @Field(() => Int, { nullable: true, description: 'Year of publication (0-9999).' })
  year?: number | null;

  @Field(() => String, { nullable: true, description: 'Edition statement, e.g. "Tái bản lần thứ 2".' })
  edition?: string | null;

  @Field(() => [String], { nullable: true, description: 'ISBN-10 or ISBN-13, hyphens allowed.' })
  isbns?: string[] | null;

  @Field(() => String, { nullable: true, description: 'ISSN (serials), hyphen optional.' })
  issn?: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 639-2 code.' })
  language?: string | null;

  @Field(() => [String], { nullable: true, description: 'Subject headings (at most 100).' })
  subjects?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Dewey Decimal Classification number.' })
  ddc?: string | null;

  @Field(() => RecordFormat, { nullable: true, description: 'Default BOOK.' })
  format?: RecordFormat | null;

  @Field(() => String, { nullable: true, description: 'Summary or notes; line breaks kept.' })
  description?: string | null;
}

@InputType({ description: 'Changes to a record: only the fields given change; null clears a field.' })
export class UpdateRecordInput {
  @Field(() => ID, { description: 'The record.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'New title proper (cannot be cleared).' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'New subtitle.' })
  subtitle?: string | null;

  @Field(() => [ContributorInput], { nullable: true, description: 'Replaces all contributors, in catalogue order.' })
  contributors?: ContributorInput[] | null;

  @Field(() => String, { nullable: true, description: 'New publisher.' })
  publisher?: string | null;

  @Field(() => String, { nullable: true, description: 'New place of publication.' })
  place?: string | null;

  @Field(() => Int, { nullable: true, description: 'New year of publication (0-9999).' })
  year?: number | null;

  @Field(() => String, { nullable: true, description: 'New edition statement.' })
  edition?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces all ISBNs (ISBN-10 or ISBN-13, hyphens allowed).' })
  isbns?: string[] | null;

  @Field(() => String, { nullable: true, description: 'New ISSN.' })
  issn?: string | null;

  @Field(() => String, { nullable: true, description: 'New language, ISO 639-2 code.' })
  language?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces all subject headings.' })
  subjects?: string[] | null;

  @Field(() => String, { nullable: true, description: 'New Dewey Decimal Classification number.' })
  ddc?: string | null;

  @Field(() => RecordFormat, { nullable: true, description: 'New format (null keeps the current one).' })
  format?: RecordFormat | null;

  @Field(() => String, { nullable: true, description: 'New summary or notes.' })
  description?: string | null;
}

@InputType({ description: 'Merge duplicates into the record that stays.' })
export class MergeRecordsInput {
  @Field(() => ID, { description: 'The record that stays.' })
  survivorId!: string;

  @Field(() => [ID], { description: 'Duplicates: their copies move to the survivor; their ids resolve to it.' })
  duplicateIds!: string[];
}

@InputType({ description: 'A new copy of a record.' })
export class AddItemInput {
  @Field(() => ID, { description: 'The record this is a copy of.' })
  recordId!: string;

  @Field({ description: 'Owning library.' })
  libraryCode!: string;

  @Field({ description: 'Barcode, unique in the network (letters, digits, . _ / -).' })
  barcode!: string;

  @Field(() => String, { nullable: true, description: 'Shelving location, e.g. "Kho mở tầng 1".' })
  location?: string | null;

  @Field(() => String, { nullable: true, description: 'Call number.' })
  callNumber?: string | null;

  @Field(() => ItemStatus, { nullable: true, description: 'Default AVAILABLE; WITHDRAWN is not allowed.' })
  status?: ItemStatus | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the copy may be lent to readers. Default true.' })
  loanable?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the copy may be lent to other libraries. Default true.' })
  lendable?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Staff notes; line breaks kept.' })
  notes?: string | null;
}

@InputType({ description: 'Changes to a copy: only the fields given change.' })
export class UpdateItemInput {
  @Field(() => ID, { description: 'The copy.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'New barcode, unique in the network (null keeps the current one).' })
  barcode?: string | null;

  @Field(() => String, { nullable: true, description: 'New shelving location; null clears it.' })
  location?: string | null;

  @Field(() => String, { nullable: true, description: 'New call number; null clears it.' })
  callNumber?: string | null;

  @Field(() => ItemStatus, {
    nullable: true,
    description: 'Shelf statuses only: AVAILABLE, IN_PROCESSING, MISSING, DAMAGED (circulation sets the others).',
  })
  status?: ItemStatus | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the copy may be lent to readers.' })
  loanable?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the copy may be lent to other libraries.' })
  lendable?: boolean | null;

  @Field(() => String, { nullable: true, description: 'New staff notes; null clears them.' })
  notes?: string | null;
}

@ObjectType({ implements: ErrorResult, description: 'An ISBN whose check digit or form is wrong.' })
export class InvalidIsbnError extends ErrorResult {
  @Field(() => String, { description: 'The ISBN as given.' })
  isbn: string;

  constructor(message: string, isbn: string) {
    super();
    this.errorCode = ErrorCode.INVALID_ISBN;
    this.message = message;
    this.isbn = isbn;
  }
}

@ObjectType({ implements: ErrorResult, description: 'An ISSN whose check digit or form is wrong.' })
export class InvalidIssnError extends ErrorResult {
  @Field(() => String, { description: 'The ISSN as given.' })
  issn: string;

  constructor(message: string, issn: string) {
    super();
    this.errorCode = ErrorCode.INVALID_ISSN;
    this.message = message;
    this.issn = issn;
  }
}

@ObjectType({ implements: ErrorResult, description: 'Another copy in the network already has this barcode.' })
export class DuplicateBarcodeError extends ErrorResult {
  @Field(() => String, { description: 'The barcode.' })
  barcode: string;

  constructor(message: string, barcode: string) {
    super();
    this.errorCode = ErrorCode.DUPLICATE_BARCODE;
    this.message = message;
    this.barcode = barcode;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No library has this code.' })
export class UnknownLibraryError extends ErrorResult {
  @Field(() => String, { description: 'The code as given.' })
  libraryCode: string;

  constructor(message: string, libraryCode: string) {
    super();
    this.errorCode = ErrorCode.UNKNOWN_LIBRARY;
    this.message = message;
    this.libraryCode = libraryCode;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No record has this id.' })
export class RecordNotFoundError extends ErrorResult {
  @Field(() => ID, { description: 'The id as given.' })
  recordId: string;

  constructor(message: string, recordId: string) {
    super();
    this.errorCode = ErrorCode.RECORD_NOT_FOUND;
    this.message = message;
    this.recordId = recordId;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No copy has this id or barcode.' })
export class ItemNotFoundError extends ErrorResult {
  constructor(message: string) {
    super();
    this.errorCode = ErrorCode.ITEM_NOT_FOUND;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'These records cannot be merged (the same record twice, or one already merged).' })
export class InvalidMergeError extends ErrorResult {
  constructor(message: string) {
    super();
    this.errorCode = ErrorCode.INVALID_MERGE;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The copy is in circulation and cannot be withdrawn now.' })
export class ItemNotWithdrawableError extends ErrorResult {
  @Field(() => ItemStatus, { description: 'Its current status.' })
  status: ItemStatus;

  constructor(message: string, status: ItemStatus) {
    super();
    this.errorCode = ErrorCode.ITEM_NOT_WITHDRAWABLE;
    this.message = message;
    this.status = status;
  }
}
