import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../common/node.types';
import { connectionType } from '../../common/pagination';
import { LibraryKind } from './library.entity';

registerEnumType(LibraryKind, {
  name: 'LibraryKind',
  description: 'Place of a library in the network.',
  valuesConfig: {
    PROVINCIAL: { description: 'The provincial library, head of the network.' },
    DISTRICT: { description: 'A district, town or city library.' },
    COMMUNE: { description: 'A commune or ward library.' },
    SCHOOL: { description: 'A school library.' },
    SPECIALIZED: { description: 'A specialised library (museum, institute, agency).' },
  },
});

@ObjectType('Library', {
  simpleResolvers: true, implements: Node, description: 'A member library of the network.' })
export class LibraryType extends Node {
  @Field({ description: 'Unique code, e.g. `BDI-PL`; usable in `library(code:)` and filters.' })
  code!: string;

  @Field({ description: 'Name in Vietnamese.' })
  name!: string;

  @Field(() => LibraryKind, { description: 'Kind of library.' })
  kind!: LibraryKind;

  @Field(() => String, { nullable: true, description: 'Postal address.' })
  address!: string | null;

  @Field(() => String, { nullable: true, description: 'Contact telephone.' })
  phone!: string | null;

  @Field(() => String, { nullable: true, description: 'Contact e-mail.' })
  email!: string | null;

  @Field({ description: 'Whether it lends its copies to other libraries of the network.' })
  lendsToNetwork!: boolean;

  @Field({ description: 'Whether it borrows from other libraries of the network.' })
  borrowsFromNetwork!: boolean;

  @Field(() => Int, { description: 'Working days (Monday to Friday) it has to answer an inter-library request before the request moves to the next lender.' })
  illResponseDays!: number;

  @Field({ description: 'IANA time zone of the library (due dates end at its local closing).' })
  timeZone!: string;
}

@InputType({ description: 'Filters for `libraries`; all given conditions must hold.' })
export class LibraryFilter {
  @Field(() => [LibraryKind], { nullable: true, description: 'Only these kinds.' })
  kinds?: LibraryKind[] | null;

  @Field(() => String, { nullable: true, description: 'Only direct children of this library.' })
  parentCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Words in code, name or address; diacritics optional.' })
  query?: string | null;
}

@ObjectType('LibraryConnection', { description: 'A page of libraries, ordered by code.' })
export class LibraryConnection extends connectionType('Library', LibraryType) {
  @Field(() => Int, { description: 'Number of libraries matching the filter.' })
  totalCount!: number;
}

export { ID };
