import type { Config } from '../../config';
import { LinkSigner } from './links';
import { BlobStorage, blobStorage } from './storage';

export interface EResourcesRuntime {
  storage: BlobStorage;
  signer: LinkSigner;
}

const cache = new WeakMap<Config, EResourcesRuntime>();

/** This process's storage and link signer, made once per configuration. */
export function runtime(config: Config): EResourcesRuntime {
  let r = cache.get(config);
  if (!r) {
    r = { storage: blobStorage(config.dataDir), signer: new LinkSigner(config.jwtSecret) };
    cache.set(config, r);
  }
  return r;
}
