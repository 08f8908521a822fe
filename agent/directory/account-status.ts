// An account's state as a user or helpdesk would describe it. "Locked" comes
// from msDS-User-Account-Control-Computed: lockoutTime stays non-zero after a
// lockout has expired, so it would report accounts as locked that are not.
import { fileTimeToDate, isNeverFileTime } from './ad-time';

export const UAC = {
  ACCOUNTDISABLE: 0x2,
  LOCKOUT: 0x10,
  DONT_EXPIRE_PASSWORD: 0x10000,
  PASSWORD_EXPIRED: 0x800000,
} as const;

export interface AccountStatus {
  locked: boolean;
  disabled: boolean;
  mustChangeAtNextLogon: boolean;
  passwordExpired: boolean;
  passwordNeverExpires: boolean;
  /** null when the password never expires or must be changed at next logon. */
  passwordExpiresAt: Date | null;
  passwordLastSetAt: Date | null;
}

export interface StatusAttributes {
  userAccountControl: number;
  computedUserAccountControl: number;
  pwdLastSet: string | undefined;
  passwordExpiryTimeComputed: string | undefined;
}

export function accountStatus(a: StatusAttributes): AccountStatus {
  const mustChange = a.pwdLastSet === '0';
  const neverExpires = (a.userAccountControl & UAC.DONT_EXPIRE_PASSWORD) !== 0 || isNeverFileTime(a.passwordExpiryTimeComputed);
  return {
    locked: (a.computedUserAccountControl & UAC.LOCKOUT) !== 0,
    disabled: (a.userAccountControl & UAC.ACCOUNTDISABLE) !== 0,
    mustChangeAtNextLogon: mustChange,
    passwordExpired: (a.computedUserAccountControl & UAC.PASSWORD_EXPIRED) !== 0,
    passwordNeverExpires: neverExpires,
    passwordExpiresAt: neverExpires || mustChange ? null : fileTimeToDate(a.passwordExpiryTimeComputed),
    passwordLastSetAt: fileTimeToDate(a.pwdLastSet),
  };
}
