/** The position after the last row of a page; opaque to clients. */
export interface Cursor {
  /** Sort the cursor was made for (`-id`, `updated_at`, …). */
  sort: string;
  /** Sort value of the last row, as SQL text (null when sorting by id). */
  value: string | null;
  id: number;
  /** Page number of the page this cursor leads to. */
  page: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id, cursor.page])).toString('base64url');
}
