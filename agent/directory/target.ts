// How callers name the account to act on. The bot passes the SID it got from
// Graph (onPremisesSecurityIdentifier), which survives renames; people at the
// CLI type a UPN or sAMAccountName. Values go into filter objects, never into
// filter text, so nothing a caller types is ever parsed as filter syntax (and
// binary SIDs/GUIDs survive: ldapts' text parser would re-encode their bytes).
import { AndFilter, EqualityFilter, type Filter } from 'ldapts';
import { InvalidTargetError } from '../errors';
import { GUID_PATTERN, SID_PATTERN, guidToBuffer, sidToBuffer } from './ad-ids';

export type Target = string | { sid: string } | { guid: string } | { upn: string } | { samAccountName: string };

export type ResolvedTarget =
  | { kind: 'sid'; value: string }
  | { kind: 'guid'; value: string }
  | { kind: 'upn'; value: string }
  | { kind: 'samAccountName'; value: string };

const MAX_LENGTH = 1024;

/** A bare string is read as a SID, a GUID, a UPN (has "@"), else a sAMAccountName. */
export function resolveTarget(target: Target): ResolvedTarget {
  let resolved: ResolvedTarget;
  if (typeof target === 'string') {
    const v = target.trim();
    if (SID_PATTERN.test(v)) resolved = { kind: 'sid', value: v.toUpperCase() };
    else if (GUID_PATTERN.test(v)) resolved = { kind: 'guid', value: v.replace(/[{}]/g, '').toLowerCase() };
    else if (v.includes('@')) resolved = { kind: 'upn', value: v };
    else resolved = { kind: 'samAccountName', value: v };
  } else if ('sid' in target) {
    if (!SID_PATTERN.test(target.sid.trim())) throw new InvalidTargetError('not a SID');
    resolved = { kind: 'sid', value: target.sid.trim().toUpperCase() };
  } else if ('guid' in target) {
    if (!GUID_PATTERN.test(target.guid.trim())) throw new InvalidTargetError('not a GUID');
    resolved = { kind: 'guid', value: target.guid.trim().replace(/[{}]/g, '').toLowerCase() };
  } else if ('upn' in target) {
    resolved = { kind: 'upn', value: target.upn.trim() };
  } else if ('samAccountName' in target) {
    resolved = { kind: 'samAccountName', value: target.samAccountName.trim() };
  } else {
    throw new InvalidTargetError('unknown kind of identifier');
  }
  if (!resolved.value) throw new InvalidTargetError('empty');
  if (resolved.value.length > MAX_LENGTH) throw new InvalidTargetError('too long');
  return resolved;
}

/** The search filter for a user account. */
export function targetFilter(t: ResolvedTarget): Filter {
  const value: Record<ResolvedTarget['kind'], () => EqualityFilter> = {
    sid: () => new EqualityFilter({ attribute: 'objectSid', value: sidToBuffer(t.value) }),
    guid: () => new EqualityFilter({ attribute: 'objectGUID', value: guidToBuffer(t.value) }),
    upn: () => new EqualityFilter({ attribute: 'userPrincipalName', value: t.value }),
    samAccountName: () => new EqualityFilter({ attribute: 'sAMAccountName', value: t.value }),
  };
  return new AndFilter({
    filters: [
      new EqualityFilter({ attribute: 'objectCategory', value: 'person' }),
      new EqualityFilter({ attribute: 'objectClass', value: 'user' }),
      value[t.kind](),
    ],
  });
}

export function describeTarget(t: ResolvedTarget): string {
  return `${t.kind} ${t.value}`;
}
