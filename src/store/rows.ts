/** Conversions of stored values shared by the stores' row mappers. */

/** A nullable bigint column as a number (PostgreSQL's driver returns bigint as text), or null. */
export function numberOrNull(value: number | string | bigint | null): number | null {
  return value === null ? null : Number(value);
}
