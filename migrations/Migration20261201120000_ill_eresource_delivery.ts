import { Migration } from '@mikro-orm/migrations';

/** A copy (scan) supplied through resource sharing may be an e-resource of the digital library. */
export class Migration20261201120000_ill_eresource_delivery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table ill_requests add column delivery_eresource_id bigint references e_resources(id);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table ill_requests drop column if exists delivery_eresource_id;`);
  }
}
