import { RecordNotFoundError } from '../errors.ts';

/** The entity, or a 404. */
export async function found<T extends object>(promise: Promise<T | null>): Promise<T> {
  const entity = await promise;
  if (!entity) throw new RecordNotFoundError();
  return entity;
}
