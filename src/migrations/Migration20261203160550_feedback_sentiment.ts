import { Migration } from '@mikro-orm/migrations';

export class Migration20261203160550_feedback_sentiment extends Migration {

  override name = 'Migration20261203160550_feedback_sentiment';

  override up(): void | Promise<void> {
    this.addSql(`alter table "suggestions" add "satisfaction_promoter_count" int not null default 0, add "satisfaction_neutral_count" int not null default 0, add "satisfaction_detractor_count" int not null default 0;`);

    this.addSql(`alter table "feedback" add "sentiment" varchar(16) null, add "source" varchar(64) null, add "tag" varchar(64) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "feedback" drop column "sentiment", drop column "source", drop column "tag";`);

    this.addSql(`alter table "suggestions" drop column "satisfaction_promoter_count", drop column "satisfaction_neutral_count", drop column "satisfaction_detractor_count";`);
  }

}
