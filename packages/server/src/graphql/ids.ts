import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { DomainError } from '../domain/shared/errors.js';

/** Decodes a Relay global ID of the expected type, or fails with a typed NOT_FOUND/INVALID_INPUT. */
export function decodeId(typename: string, globalId: string, field: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw new DomainError('INVALID_INPUT', `"${globalId}" is not a valid ID.`, field);
  }
  if (decoded.typename !== typename || !decoded.id) {
    throw new DomainError('INVALID_INPUT', `"${globalId}" is not the ID of a ${typename}.`, field);
  }
  return decoded.id;
}

export function decodeIds(typename: string, globalIds: readonly string[], field: string): string[] {
  return globalIds.map((id, i) => decodeId(typename, id, `${field}.${i}`));
}

export const encodeId = (typename: string, id: string) => encodeGlobalID(typename, id);
