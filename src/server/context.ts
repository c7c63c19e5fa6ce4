import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { Viewer } from '../modules/auth/viewer';
import type { EventHub } from '../modules/events/event-hub';
import { createCatalogLoaders } from '../modules/catalog/catalog.loaders';
import { createCirculationLoaders } from '../modules/circulation/circulation.loaders';
import { createLibraryLoaders } from '../modules/libraries/libraries.loaders';
import { createEResourceLoaders } from '../modules/eresources/eresources.loaders';

export function createLoaders(em: EntityManager) {
  return { ...createLibraryLoaders(em), ...createCatalogLoaders(em), ...createCirculationLoaders(em), ...createEResourceLoaders(em) };
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

export { Viewer };
