// Reads a self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6) far enough to
// list the DACL's ACEs. `doctor` uses it to confirm, without writing
// anything, that the service account holds "Reset Password" on an OU.
import { guidToString, sidToString } from './ad-ids';

export const ACE_TYPE = { ALLOW: 0x00, DENY: 0x01, ALLOW_OBJECT: 0x05, DENY_OBJECT: 0x06 } as const;
export const ACE_FLAG = { OBJECT_INHERIT: 0x01, CONTAINER_INHERIT: 0x02, NO_PROPAGATE: 0x04, INHERIT_ONLY: 0x08, INHERITED: 0x10 } as const;
export const ACCESS = {
  CONTROL_ACCESS: 0x100, // extended rights (ADS_RIGHT_DS_CONTROL_ACCESS)
  READ_PROPERTY: 0x10,
  GENERIC_READ: 0x80000000,
  WRITE_PROPERTY: 0x20,
  GENERIC_ALL: 0x10000000,
} as const;

export const RESET_PASSWORD_RIGHT = '00299570-246d-11d0-a768-00aa006e0529';
export const USER_CLASS_GUID = 'bf967aba-0de6-11d0-a285-00aa003049e2';

export interface Ace {
  type: number;
  flags: number;
  mask: number;
  sid: string;
  objectType: string | undefined;
  inheritedObjectType: string | undefined;
}

export interface SecurityDescriptor {
  owner: string | undefined;
  group: string | undefined;
  /** null when the descriptor carries no DACL (e.g. it was not requested). */
  dacl: Ace[] | null;
}

function readSid(buf: Buffer, offset: number): string {
  const subCount = buf[offset + 1]!;
  return sidToString(buf.subarray(offset, offset + 8 + 4 * subCount));
}

function readAcl(buf: Buffer, offset: number): Ace[] {
  const aceCount = buf.readUInt16LE(offset + 4);
  const aces: Ace[] = [];
  let pos = offset + 8;
  for (let i = 0; i < aceCount; i++) {
    const type = buf[pos]!;
    const flags = buf[pos + 1]!;
    const size = buf.readUInt16LE(pos + 2);
    if (size < 8 || pos + size > buf.length) throw new Error('malformed ACE');
    const mask = buf.readUInt32LE(pos + 4);
    let body = pos + 8;
    let objectType: string | undefined;
    let inheritedObjectType: string | undefined;
    if (type === ACE_TYPE.ALLOW_OBJECT || type === ACE_TYPE.DENY_OBJECT) {
      const objFlags = buf.readUInt32LE(body);
      body += 4;
      if (objFlags & 0x1) {
        objectType = guidToString(buf.subarray(body, body + 16));
        body += 16;
      }
      if (objFlags & 0x2) {
        inheritedObjectType = guidToString(buf.subarray(body, body + 16));
        body += 16;
      }
    }
    const knownBody = type === ACE_TYPE.ALLOW || type === ACE_TYPE.DENY || type === ACE_TYPE.ALLOW_OBJECT || type === ACE_TYPE.DENY_OBJECT;
    aces.push({ type, flags, mask, sid: knownBody ? readSid(buf, body) : '', objectType, inheritedObjectType });
    pos += size;
  }
  return aces;
}

export function parseSecurityDescriptor(buf: Buffer): SecurityDescriptor {
  if (buf.length < 20 || buf[0] !== 1) throw new Error('not a self-relative security descriptor');
  const ownerOff = buf.readUInt32LE(4);
  const groupOff = buf.readUInt32LE(8);
  const daclOff = buf.readUInt32LE(16);
  return {
    owner: ownerOff ? readSid(buf, ownerOff) : undefined,
    group: groupOff ? readSid(buf, groupOff) : undefined,
    dacl: daclOff ? readAcl(buf, daclOff) : null,
  };
}

/**
 * Whether an ACE on a container lets one of `sids` use an extended right on
 * child objects of `childClass`. Deny ACEs for those SIDs win, as in AD's
 * canonical order.
 */
export function grantsExtendedRightToChildren(dacl: Ace[], sids: ReadonlySet<string>, rightGuid: string, childClass: string): boolean {
  const applies = (ace: Ace): boolean =>
    sids.has(ace.sid.toUpperCase()) &&
    (ace.flags & ACE_FLAG.CONTAINER_INHERIT) !== 0 &&
    (ace.inheritedObjectType === undefined || ace.inheritedObjectType === childClass) &&
    ((ace.mask & ACCESS.GENERIC_ALL) !== 0 ||
      ((ace.mask & ACCESS.CONTROL_ACCESS) !== 0 && (ace.objectType === undefined || ace.objectType === rightGuid)));
  const denied = dacl.some((a) => (a.type === ACE_TYPE.DENY || a.type === ACE_TYPE.DENY_OBJECT) && applies(a));
  const allowed = dacl.some((a) => (a.type === ACE_TYPE.ALLOW || a.type === ACE_TYPE.ALLOW_OBJECT) && applies(a));
  return allowed && !denied;
}

/** Whether an ACE on a container lets one of `sids` read all properties of its children. */
export function grantsReadToChildren(dacl: Ace[], sids: ReadonlySet<string>): boolean {
  const applies = (ace: Ace): boolean =>
    sids.has(ace.sid.toUpperCase()) &&
    (ace.flags & ACE_FLAG.CONTAINER_INHERIT) !== 0 &&
    ace.objectType === undefined &&
    ace.inheritedObjectType === undefined &&
    (ace.mask & (ACCESS.READ_PROPERTY | ACCESS.GENERIC_READ | ACCESS.GENERIC_ALL)) !== 0;
  const denied = dacl.some((a) => a.type === ACE_TYPE.DENY && applies(a));
  return !denied && dacl.some((a) => a.type === ACE_TYPE.ALLOW && applies(a));
}
