/**
 * The API names every row by a Relay global ID (`node(id:)`); events, webhook
 * payloads and plugin actions carry the database IDs. These convert.
 */

/** The global ID the API uses for a database row, e.g. `globalId('Inbox', event.inboxId)`. */
export function globalId(typename: string, id: string): string {
  return btoa(`${typename}:${id}`);
}

/** Splits a global ID into its type and database ID; throws a TypeError for anything else. */
export function parseGlobalId(id: string): { typename: string; id: string } {
  let decoded: string;
  try {
    decoded = atob(id);
  } catch {
    throw new TypeError(`"${id}" is not a DeskQL global ID.`);
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new TypeError(`"${id}" is not a DeskQL global ID.`);
  return { typename: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/** True when `value` names the row `id` of that type, as a database ID or a global ID. */
export function sameId(typename: string, id: string, value: string): boolean {
  if (value === id) return true;
  try {
    const parsed = parseGlobalId(value);
    return parsed.typename === typename && parsed.id === id;
  } catch {
    return false;
  }
}
