import { ClassType, Field, ObjectType, createUnionType } from 'type-graphql';
import { ErrorCode, ErrorResult } from './errors';

@ObjectType({ implements: ErrorResult, description: 'The viewer may not do this to this object.' })
export class NotPermittedError extends ErrorResult {
  constructor(message = 'You are not permitted to do this.') {
    super();
    this.errorCode = ErrorCode.NOT_PERMITTED;
    this.message = message;
  }
}

/**
 * A mutation result union: the success type (resolved from an entity class) or one of the error
 * result classes. Clients see in the schema everything that can go wrong.
 */
export function resultUnion<S extends object>(
  name: string,
  description: string,
  success: { entity: ClassType<S> | ((v: unknown) => boolean); type: ClassType },
  errors: ClassType<ErrorResult>[],
) {
  const types = [success.type, ...errors] as [ClassType, ...ClassType[]];
  return createUnionType({
    name,
    description,
    types: () => types,
    resolveType: (value) => {
      for (const e of errors) if (value instanceof e) return e;
      const isSuccess =
        success.entity.prototype !== undefined
          ? value instanceof (success.entity as ClassType<S>)
          : (success.entity as (v: unknown) => boolean)(value);
      if (isSuccess) return success.type;
      throw new Error(`${name}: unexpected result ${String((value as object)?.constructor?.name)}`);
    },
  });
}

export { Field };
