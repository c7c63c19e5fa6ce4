import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { Viewer } from '../modules/auth/viewer';
import type { EventHub } from '../modules/events/event-hub';
import { createCatalogLoaders } from '../modules/catalog/catalog.loaders';
import { createCirculationLoaders } from '../modules/circulation/circulation.loaders';
import { createLibraryLoaders } from '../modules/libraries/libraries.loaders';
import { createSharingLoaders } from '../modules/sharing/sharing.loaders';
import { createEResourceLoaders } from '../modules/eresources/eresources.loaders';

export function createLoaders(em: EntityManager) {
  const libraries = createLibraryLoaders(em);
  return {
    ...libraries,
    ...createCatalogLoaders(em, libraries.libraryById),
    ...createCirculationLoaders(em),
    ...createSharingLoaders(em, libraries.libraryById),
    ...createEResourceLoaders(em),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** Built once per operation: who asks, a fresh identity map, fresh loaders. */
export interface Context {
  requestId: string;
  viewer: Viewer;
  em: EntityManager;
  loaders: Loaders;
  logger: Logger;
  config: Config;
  clientAddress: string | null;
  /** This process's end of the event outbox (subscriptions). */
  events: EventHub | null;
}

export function buildContext(args: {
  rootEm: EntityManager;
  viewer: Viewer;
  logger: Logger;
  config: Config;
  clientAddress?: string | null;
  requestId?: string;
  events?: EventHub | null;
}): Context {
  const em = args.rootEm.fork({ clear: true, useContext: false });
  const requestId = args.requestId ?? randomUUID();
  return {
    requestId,
    viewer: args.viewer,
    em,
    loaders: createLoaders(em),
    logger: args.logger.child({ requestId }),
    config: args.config,
    clientAddress: args.clientAddress ?? null,
    events: args.events ?? null,
  };
}

/**
 * A fresh identity map and fresh loaders for the next event of a subscription: its context is built
 * once, and whatever it cached for an earlier event would be stale by now.
 */
export function refreshForEvent(ctx: Context): void {
  ctx.em = ctx.em.fork({ clear: true, useContext: false });
  ctx.loaders = createLoaders(ctx.em);
}

export { Viewer };
