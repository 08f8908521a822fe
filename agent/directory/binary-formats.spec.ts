import { guidToBuffer, guidToString, sidToBuffer, sidToString } from './ad-ids';
import { fileTimeToDate, intervalToSeconds } from './ad-time';
import { ATTID_UNICODE_PWD, parseReplPropertyMetaData } from './repl-metadata';
import { grantsExtendedRightToChildren, parseSecurityDescriptor, RESET_PASSWORD_RIGHT, USER_CLASS_GUID } from './security-descriptor';

const SID = 'S-1-5-21-44430653-182486493-3673872905-1106';

test('SIDs and GUIDs round-trip between text and AD\'s binary form', () => {
  expect(sidToString(sidToBuffer(SID))).toBe(SID);
  expect(guidToBuffer(RESET_PASSWORD_RIGHT).toString('hex')).toBe('70952900' + '6d24' + 'd011' + 'a76800aa006e0529');
  expect(guidToString(guidToBuffer(RESET_PASSWORD_RIGHT))).toBe(RESET_PASSWORD_RIGHT);
});

test('AD times and policy intervals are decoded', () => {
  expect(fileTimeToDate('116444736000000000')?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
  expect(fileTimeToDate('9223372036854775807')).toBeNull();
  expect(fileTimeToDate('0')).toBeNull();
  expect(intervalToSeconds('-864000000000')).toBe(86_400);
  expect(intervalToSeconds('-9223372036854775808')).toBeNull();
});

test('the unicodePwd version is found in replPropertyMetaData', () => {
  const blob = Buffer.alloc(16 + 2 * 48);
  blob.writeUInt32LE(1, 0);
  blob.writeUInt32LE(2, 8);
  blob.writeUInt32LE(0x90001, 16);
  blob.writeUInt32LE(1, 20);
  blob.writeUInt32LE(ATTID_UNICODE_PWD, 64);
  blob.writeUInt32LE(7, 68);
  blob.writeBigUInt64LE(11644473600n + 60n, 72); // one minute after 1970
  const entries = parseReplPropertyMetaData(blob);
  expect(entries.find((e) => e.attid === ATTID_UNICODE_PWD)).toMatchObject({ version: 7, originatingChangeTime: new Date(60_000) });
  expect(() => parseReplPropertyMetaData(blob.subarray(0, 40))).toThrow('truncated');
});

function objectAce(sid: string, flags: number, right: string, inherited: string): Buffer {
  const sidBuf = sidToBuffer(sid);
  const body = Buffer.concat([Buffer.alloc(4), Buffer.alloc(4), guidToBuffer(right), guidToBuffer(inherited), sidBuf]);
  body.writeUInt32LE(0x100, 0);
  body.writeUInt32LE(0x3, 4);
  const header = Buffer.from([0x05, flags, 0, 0]);
  header.writeUInt16LE(4 + body.length, 2);
  return Buffer.concat([header, body]);
}

function descriptor(aces: Buffer[]): Buffer {
  const aclBody = Buffer.concat(aces);
  const acl = Buffer.alloc(8);
  acl[0] = 4;
  acl.writeUInt16LE(8 + aclBody.length, 2);
  acl.writeUInt16LE(aces.length, 4);
  const head = Buffer.alloc(20);
  head[0] = 1;
  head.writeUInt16LE(0x8004, 2);
  head.writeUInt32LE(20, 16);
  return Buffer.concat([head, acl, aclBody]);
}

test('a Reset Password object ACE for the account is recognised, one for someone else is not', () => {
  const sd = parseSecurityDescriptor(descriptor([objectAce(SID, 0x02, RESET_PASSWORD_RIGHT, USER_CLASS_GUID)]));
  expect(sd.dacl).toHaveLength(1);
  expect(grantsExtendedRightToChildren(sd.dacl!, new Set([SID]), RESET_PASSWORD_RIGHT, USER_CLASS_GUID)).toBe(true);
  expect(grantsExtendedRightToChildren(sd.dacl!, new Set(['S-1-5-21-1-2-3-4']), RESET_PASSWORD_RIGHT, USER_CLASS_GUID)).toBe(false);
  const notInherited = parseSecurityDescriptor(descriptor([objectAce(SID, 0x00, RESET_PASSWORD_RIGHT, USER_CLASS_GUID)]));
  expect(grantsExtendedRightToChildren(notInherited.dacl!, new Set([SID]), RESET_PASSWORD_RIGHT, USER_CLASS_GUID)).toBe(false);
});
