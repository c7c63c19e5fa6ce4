import { GraphQLError } from 'graphql';
import { Arg, Ctx, Resolver, Root, Subscription } from 'type-graphql';
import { badInput, forbidden, unauthenticated } from '../../common/errors';
import { NodeTypeName, toGlobalId } from '../../common/ids';
import type { Context } from '../../server/context';
import { librariesService } from '../libraries/libraries.service';
import { EventFilter, EventHub, StreamEvent, StreamPosition, comparePositions, decodeStreamCursor, encodeStreamCursor, matches } from './event-hub';
import { NetworkEventType } from './events.types';

/** Events a subscriber may fall behind by before its subscription is ended (it resumes with its cursor). */
const MAX_QUEUE = 10_000;
const NODE_ENTITIES = new Set(['Loan', 'Hold', 'Transit', 'Item', 'Patron', 'Library', 'BibliographicRecord', 'IllRequest']);

/**
 * A library's events as an async iterator: with `after`, first every stored event after that cursor,
 * then live ones, with no gap and no duplicate at the seam (the live listener is registered before
 * the replay starts and everything is de-duplicated by stream position).
 */
export function libraryEventStream(hub: EventHub, libraryId: number, after: StreamPosition | null): AsyncIterableIterator<StreamEvent> {
  return eventStream(hub, { libraryId }, after);
}

/** The events matching a filter as an async iterator, replayed from `after` then live (see libraryEventStream). */
export function eventStream(hub: EventHub, filter: EventFilter, after: StreamPosition | null): AsyncIterableIterator<StreamEvent> {
  const queue: StreamEvent[] = [];
  const buffered: StreamEvent[] = [];
  let waiting: ((r: IteratorResult<StreamEvent>) => void) | null = null;
  let failure: ((e: unknown) => void) | null = null;
  let last: StreamPosition | null = after;
  let replaying = after !== null;
  let done = false;
  let error: Error | null = null;

  const deliver = (e: StreamEvent) => {
    if (done || (last && comparePositions(e, last) <= 0)) return;
    last = { txid: e.txid, seq: e.seq };
    if (waiting) {
      const w = waiting;
      waiting = null;
      failure = null;
      w({ value: e, done: false });
    } else if (queue.length >= MAX_QUEUE) {
      finish(new GraphQLError('Subscriber too slow: resubscribe with the cursor of the last event received.', { extensions: { code: 'SUBSCRIBER_TOO_SLOW' } }));
    } else {
      queue.push(e);
    }
  };
  const unlisten = hub.listen((e) => {
    if (!matches(e, filter)) return;
    if (replaying) buffered.push(e);
    else deliver(e);
  });
  const finish = (err: Error | null) => {
    if (done) return;
    done = true;
    error = err;
    unlisten();
    if (waiting) {
      const w = waiting;
      const f = failure;
      waiting = null;
      failure = null;
      if (err && f) f(err);
      else w({ value: undefined, done: true });
    }
  };

  if (after) {
    (async () => {
      let pos: StreamPosition = after;
      for (;;) {
        const batch = await hub.readMatching(pos, filter);
        batch.forEach(deliver);
        if (batch.length === 0 || done) break;
        pos = { txid: batch[batch.length - 1].txid, seq: batch[batch.length - 1].seq };
      }
      replaying = false;
      buffered.splice(0).forEach(deliver);
    })().catch((err) => finish(err instanceof Error ? err : new Error(String(err))));
  }

  return {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failure = reject;
      });
    },
    return() {
      finish(null);
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err) {
      finish(err instanceof Error ? err : null);
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

@Resolver(() => NetworkEventType)
export class EventsResolver {
  @Subscription(() => NetworkEventType, {
    description:
      'Every event that concerns a library, in order, as it happens (staff of that library, network admins). With `after` ' +
      '(the cursor of the last event received) it first delivers every event since, then live ones: reconnecting loses nothing.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      if (!ctx.events) throw new GraphQLError('Events are not available on this server.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      if (!ctx.viewer.isAuthenticated) throw unauthenticated('Sign in (connectionParams.authorization) to subscribe.');
      const [lib] = await librariesService.requireCodes(ctx, [args.libraryCode as string], 'libraryCode');
      if (!ctx.viewer.isStaff || !ctx.viewer.worksAt(lib.id)) throw forbidden(`Only staff of ${lib.code} may follow its events.`);
      let after: StreamPosition | null = null;
      if (args.after) {
        after = decodeStreamCursor(String(args.after));
        if (!after) throw badInput('after is not a valid event cursor', 'after');
      }
      return libraryEventStream(ctx.events, lib.id, after);
    },
  })
  resourceSharingEvents(
    @Root() e: StreamEvent,
    @Arg('libraryCode', () => String, { description: 'The library.' }) _libraryCode: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last event received.' }) _after: string | null,
    @Ctx() _ctx: Context,
  ): NetworkEventType {
    return {
      cursor: encodeStreamCursor(e),
      sequence: String(e.seq),
      type: e.type,
      occurredAt: e.occurredAt,
      libraryCodes: e.libraryCodes,
      entity: e.entity,
      entityId: e.entityId !== null && NODE_ENTITIES.has(e.entity) ? toGlobalId(e.entity as NodeTypeName, e.entityId) : null,
      payload: e.payload,
    };
  }
}
