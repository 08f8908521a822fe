import { BerWriter, Control, type ControlOptions } from 'ldapts';

export const SECURITY_INFORMATION = {
  OWNER: 0x1,
  GROUP: 0x2,
  DACL: 0x4,
  SACL: 0x8,
} as const;

/**
 * LDAP_SERVER_SD_FLAGS_OID (MS-ADTS 3.1.1.3.4.1.11): selects which parts of
 * nTSecurityDescriptor a search returns. Asking for the DACL only lets an
 * account without the right to read the SACL (any non-admin) read the ACL.
 */
export class SdFlagsControl extends Control {
  static readonly type = '1.2.840.113556.1.4.801';
  readonly flags: number;

  constructor(flags: number = SECURITY_INFORMATION.DACL, options: ControlOptions = {}) {
    super(SdFlagsControl.type, options);
    this.flags = flags;
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(this.flags);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}
