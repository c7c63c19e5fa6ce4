import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127000000_union_catalog } from './Migration20261127000000_union_catalog';
import { Migration20261127010000_circulation } from './Migration20261127010000_circulation';
import { Migration20261201000000_resource_sharing } from './Migration20261201000000_resource_sharing';
import { Migration20261201100000_eresources } from './Migration20261201100000_eresources';
import { Migration20261201110000_eresources_text } from './Migration20261201110000_eresources_text';
import { Migration20261201120000_ill_eresource_delivery } from './Migration20261201120000_ill_eresource_delivery';
import { Migration20261201200000_security } from './Migration20261201200000_security';
import { Migration20261201300000_eresources_search_speed } from './Migration20261201300000_eresources_search_speed';
import { Migration20261201400000_desk_functions } from './Migration20261201400000_desk_functions';

/**
 * Every migration in order. Listed explicitly (not discovered from files) so the same list runs from
 * compiled JavaScript and from the TypeScript test runner.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261127000000_union_catalog', class: Migration20261127000000_union_catalog },
  { name: 'Migration20261127010000_circulation', class: Migration20261127010000_circulation },
  { name: 'Migration20261201000000_resource_sharing', class: Migration20261201000000_resource_sharing },
  { name: 'Migration20261201100000_eresources', class: Migration20261201100000_eresources },
  { name: 'Migration20261201110000_eresources_text', class: Migration20261201110000_eresources_text },
  { name: 'Migration20261201120000_ill_eresource_delivery', class: Migration20261201120000_ill_eresource_delivery },
  { name: 'Migration20261201200000_security', class: Migration20261201200000_security },
  { name: 'Migration20261201300000_eresources_search_speed', class: Migration20261201300000_eresources_search_speed },
  { name: 'Migration20261201400000_desk_functions', class: Migration20261201400000_desk_functions },
];
