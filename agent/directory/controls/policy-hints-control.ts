import { BerWriter, Control, type ControlOptions } from 'ldapts';

/**
 * LDAP_SERVER_POLICY_HINTS_OID (MS-ADTS 3.1.1.3.4.1.33): asks AD to apply the
 * password history (and minimum age) rules to an administrative reset, as it
 * does for a user's own change. Windows Server 2012 R2 and later list it in
 * the rootDSE; Samba does not.
 */
export class PolicyHintsControl extends Control {
  static readonly type = '1.2.840.113556.1.4.2239';

  constructor(options: ControlOptions = {}) {
    super(PolicyHintsControl.type, { critical: true, ...options });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(1); // Flags: 1 = enforce the policy hints
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}
