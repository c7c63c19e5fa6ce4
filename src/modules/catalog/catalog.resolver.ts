import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { badInput } from '../../common/errors';
import type { Context } from '../../server/context';
import { LibraryType } from '../libraries/library.types';
import { catalogService } from './catalog.service';
import {
  AddItemInput,
  CatalogFilter,
  CatalogSearchConnection,
  CreateRecordInput,
  DuplicateBarcodeError,
  InvalidIsbnError,
  InvalidIssnError,
  InvalidMergeError,
  ItemConnection,
  ItemNotFoundError,
  ItemNotWithdrawableError,
  ItemType,
  LibraryHoldingsType,
  MergeRecordsInput,
  RecordNotFoundError,
  RecordType,
  UnknownLibraryError,
  UpdateItemInput,
  UpdateRecordInput,
} from './catalog.types';
import { Item } from './item.entity';
import { BibliographicRecord } from './record.entity';
import { searchService } from './search.service';

const RecordResult = (name: string, description: string, errors: Parameters<typeof resultUnion>[3]) =>
  resultUnion(name, description, { entity: BibliographicRecord, type: RecordType }, errors);
const ItemResult = (name: string, description: string, errors: Parameters<typeof resultUnion>[3]) =>
  resultUnion(name, description, { entity: Item, type: ItemType }, errors);

export const CreateRecordResult = RecordResult('CreateRecordResult', 'The new record, or why it was refused.', [
  InvalidIsbnError,
  InvalidIssnError,
  NotPermittedError,
]);
export const UpdateRecordResult = RecordResult('UpdateRecordResult', 'The changed record, or why it was refused.', [
  RecordNotFoundError,
  InvalidIsbnError,
  InvalidIssnError,
  NotPermittedError,
]);
export const MergeRecordsResult = RecordResult('MergeRecordsResult', 'The surviving record, or why the merge was refused.', [
  RecordNotFoundError,
  InvalidMergeError,
  NotPermittedError,
]);
export const AddItemResult = ItemResult('AddItemResult', 'The new copy, or why it was refused.', [
  RecordNotFoundError,
  UnknownLibraryError,
  DuplicateBarcodeError,
  NotPermittedError,
]);
export const UpdateItemResult = ItemResult('UpdateItemResult', 'The changed copy, or why it was refused.', [
  ItemNotFoundError,
  DuplicateBarcodeError,
  ItemNotWithdrawableError,
  NotPermittedError,
]);
export const WithdrawItemResult = ItemResult('WithdrawItemResult', 'The withdrawn copy, or why it was refused.', [
  ItemNotFoundError,
  ItemNotWithdrawableError,
  NotPermittedError,
]);

interface HoldingsValue {
  recordId: number;
  libraryId: number;
  totalCount: number;
  availableCount: number;
  onlineCount: number;
}

@Resolver(() => RecordType)
export class RecordResolver {
  @Query(() => CatalogSearchConnection, {
    description:
      'Searches the union catalog. Case and Vietnamese diacritics are ignored ("truyen kieu" finds "Truyện Kiều"), ' +
      'words may come in any order, an ISBN may be typed any way, and a misspelt longer word still finds close ' +
      'matches. Without a query it browses by title.',
  })
  searchCatalog(
    @Ctx() ctx: Context,
    @Arg('query', () => String, { nullable: true, description: 'Words, a phrase or an ISBN (at most 500 characters).' })
    query: string | null,
    @Arg('filter', () => CatalogFilter, { nullable: true, description: 'Conditions every hit must meet.' }) filter: CatalogFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return searchService.search(ctx, query, filter ?? {}, first, after);
  }

  @Query(() => RecordType, {
    nullable: true,
    description: 'A record by id. The id of a merged duplicate resolves to the record it was merged into.',
  })
  async record(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Global id of the record.' }) id: string) {
    return catalogService.record(ctx, decodeIdOf('BibliographicRecord', id));
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() r: BibliographicRecord) {
    return toGlobalId('BibliographicRecord', r.id);
  }

  @FieldResolver(() => [LibraryHoldingsType], { description: 'Libraries holding copies or offering it online, by library code.' })
  async holdings(@Root() r: BibliographicRecord, @Ctx() ctx: Context): Promise<HoldingsValue[]> {
    const rows = await ctx.loaders.holdingsByRecord.load(r.id);
    return rows.map((h) => ({ recordId: h.recordId, libraryId: h.libraryId, totalCount: h.total, availableCount: h.available, onlineCount: h.online }));
  }

  @FieldResolver(() => Int, { description: 'Copies on the shelf now, network-wide.' })
  async availableCount(@Root() r: BibliographicRecord, @Ctx() ctx: Context) {
    return (await ctx.loaders.holdingsByRecord.load(r.id)).reduce((n, h) => n + h.available, 0);
  }

  @FieldResolver(() => Int, { description: 'Copies held network-wide (withdrawn excluded).' })
  async totalCount(@Root() r: BibliographicRecord, @Ctx() ctx: Context) {
    return (await ctx.loaders.holdingsByRecord.load(r.id)).reduce((n, h) => n + h.total, 0);
  }

  @FieldResolver(() => Int, { description: 'Number of libraries holding a copy or offering it online.' })
  async libraryCount(@Root() r: BibliographicRecord, @Ctx() ctx: Context) {
    return (await ctx.loaders.holdingsByRecord.load(r.id)).length;
  }

  @Mutation(() => CreateRecordResult, { description: 'Creates a bibliographic record (any staff member).' })
  createRecord(@Ctx() ctx: Context, @Arg('input', () => CreateRecordInput, { description: 'The new record.' }) input: CreateRecordInput) {
    return catalogService.createRecord(ctx, input);
  }

  @Mutation(() => UpdateRecordResult, { description: 'Changes a record (any staff member).' })
  updateRecord(@Ctx() ctx: Context, @Arg('input', () => UpdateRecordInput, { description: 'The record and its changes.' }) input: UpdateRecordInput) {
    return catalogService.updateRecord(ctx, input);
  }

  @Mutation(() => MergeRecordsResult, {
    description: 'Merges duplicate records into one (network administrators): copies move, old ids resolve to the survivor.',
  })
  mergeRecords(@Ctx() ctx: Context, @Arg('input', () => MergeRecordsInput, { description: 'Survivor and duplicates.' }) input: MergeRecordsInput) {
    return catalogService.mergeRecords(ctx, input);
  }
}

@Resolver(() => LibraryHoldingsType)
export class HoldingsResolver {
  @FieldResolver(() => LibraryType)
  library(@Root() h: HoldingsValue, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(h.libraryId);
  }

  @FieldResolver(() => ItemConnection, { description: "This library's copies (withdrawn excluded), oldest first." })
  async items(
    @Root() h: HoldingsValue,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor('item', after);
    const afterId = cursor ? Number(cursor[0]) : 0;
    if (!Number.isSafeInteger(afterId) || afterId < 0) throw badInput('after is not a valid cursor', 'after');
    const rows = await ctx.loaders.itemsPage.load({ recordId: h.recordId, libraryId: h.libraryId, afterId, limit });
    return toPage(rows, limit, (i) => encodeCursor('item', [i.id]), (i) => i);
  }
}

@Resolver(() => ItemType)
export class ItemResolver {
  @Query(() => ItemType, { nullable: true, description: 'A copy by barcode (null when there is none).' })
  item(@Ctx() ctx: Context, @Arg('barcode', () => String, { description: 'Barcode of the copy.' }) barcode: string) {
    return catalogService.itemByBarcode(ctx, barcode);
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() i: Item) {
    return toGlobalId('Item', i.id);
  }

  @FieldResolver(() => RecordType, { description: 'The record this is a copy of.' })
  record(@Root() i: Item, @Ctx() ctx: Context) {
    return catalogService.record(ctx, i.record.id);
  }

  @FieldResolver(() => LibraryType, { description: 'The owning library.' })
  library(@Root() i: Item, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(i.library.id);
  }

  @Mutation(() => AddItemResult, { description: "Adds a copy to a library's holdings (that library's staff)." })
  addItem(@Ctx() ctx: Context, @Arg('input', () => AddItemInput, { description: 'The new copy.' }) input: AddItemInput) {
    return catalogService.addItem(ctx, input);
  }

  @Mutation(() => UpdateItemResult, { description: 'Changes a copy (staff of the owning library).' })
  updateItem(@Ctx() ctx: Context, @Arg('input', () => UpdateItemInput, { description: 'The copy and its changes.' }) input: UpdateItemInput) {
    return catalogService.updateItem(ctx, input);
  }

  @Mutation(() => WithdrawItemResult, { description: 'Withdraws a copy from the collection (staff of the owning library).' })
  withdrawItem(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'Global id of the copy.' }) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why, kept in the notes and the audit log.' }) reason: string | null,
  ) {
    return catalogService.withdrawItem(ctx, id, reason);
  }
}
