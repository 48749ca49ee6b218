import type { MetadataStorage } from '@mikro-orm/core';
import type { FieldDef, LinkDef, ResourceDef } from '../resources/define.ts';

/** Whether each column of each table may hold null: table → column → nullable. */
export type Columns = ReadonlyMap<string, ReadonlyMap<string, boolean>>;

/** Column nullability as the ORM discovered it from the entities (`p.….nullable()`), by table. */
export function columnsOf(metadata: MetadataStorage): Columns {
  const tables = new Map<string, Map<string, boolean>>();
  for (const meta of metadata.getAll().values()) {
    if (!meta.tableName || meta.embeddable || meta.virtual) continue;
    const columns = tables.get(meta.tableName) ?? new Map<string, boolean>();
    tables.set(meta.tableName, columns);
    for (const prop of Object.values(meta.properties)) {
      if (prop.persist === false) continue;
      for (const column of prop.fieldNames ?? []) columns.set(column, Boolean(prop.nullable) || columns.get(column) === true);
    }
  }
  return tables;
}

/**
 * Can this column of the declaration's table be null on the wire? A declared `nullable` wins; a
 * `computed` alias is nullable unless it says otherwise (an aggregate or subquery the ORM does not
 * describe); a stored column answers from its entity. A column no entity describes counts as nullable.
 */
function columnNullable(def: ResourceDef, column: string, declared: boolean | undefined, columns: Columns): boolean {
  if (declared !== undefined) return declared;
  if (def.computed?.[column]) return true;
  return columns.get(def.table)?.get(column) ?? true;
}

/** Whether a record's field can be null: a derived `value` declares it (absent: never); a column asks its entity. */
export function fieldNullable(def: ResourceDef, field: FieldDef, columns: Columns): boolean {
  if (field.value) return field.nullable ?? false;
  return columnNullable(def, field.column ?? field.name, field.nullable, columns);
}

/** Whether a to-one link with a column can be null (a to-one without a column is always null). */
export function linkNullable(def: ResourceDef, link: LinkDef, columns: Columns): boolean {
  return link.column ? columnNullable(def, link.column, link.nullable, columns) : true;
}
