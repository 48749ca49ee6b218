import { Migration } from '@mikro-orm/migrations';

/** A publishable key's allowed browser origins (null: any origin, as every key had before). */
export class Migration20261204164259_publishable_origins extends Migration {

  override name = 'Migration20261204164259_publishable_origins';

  override up(): void | Promise<void> {
    this.addSql(`alter table "api_clients" add "allowed_origins" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "api_clients" drop column "allowed_origins";`);
  }

}
