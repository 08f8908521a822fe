import { ConstraintViolationError, InsufficientAccessError, InvalidCredentialsError, NoSuchObjectError, UnavailableError, UnwillingToPerformError } from 'ldapts';
import { adErrorCode, mapLdapError } from './map-ldap-error';

describe('mapping directory answers to agent errors', () => {
  test('AD extended codes are read from modify and bind diagnostics', () => {
    expect(adErrorCode('0000052D: Constraint violation - whatever')).toBe(0x52d);
    expect(adErrorCode('80090308: LdapErr: DSID-0C09030B, comment: AcceptSecurityContext error, data 775, v1db1')).toBe(0x775);
    expect(adErrorCode('no code here')).toBeUndefined();
  });

  test('Windows\' reasonless 0000052D is a policy violation of unknown reason', () => {
    const err = mapLdapError(new UnwillingToPerformError('0000052D: SvcErr: DSID-031A1254, problem 5003 (WILL_NOT_PERFORM), data 0'), 'reset');
    expect(err).toMatchObject({ code: 'AGENT_POLICY_VIOLATION', reason: 'unknown', details: { adCode: '0000052D', ldapCode: 53 } });
  });

  test('each failure kind gets its code', () => {
    expect(mapLdapError(new ConstraintViolationError('00000056: old password does not match'), 'change').code).toBe('AGENT_WRONG_CURRENT_PASSWORD');
    expect(mapLdapError(new ConstraintViolationError('00000775: account locked out'), 'change').code).toBe('AGENT_ACCOUNT_LOCKED');
    expect(mapLdapError(new InsufficientAccessError('00002098: SecErr'), 'reset').code).toBe('AGENT_NOT_PERMITTED');
    expect(mapLdapError(new NoSuchObjectError('0000208D'), 'search').code).toBe('AGENT_USER_NOT_FOUND');
    expect(mapLdapError(new UnavailableError('busy'), 'search').code).toBe('AGENT_DIRECTORY_UNAVAILABLE');
    expect(mapLdapError(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09030B, comment: AcceptSecurityContext error, data 52e, v1db1'), 'bind').code).toBe('AGENT_BIND_FAILED');
    expect(mapLdapError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'bind').code).toBe('AGENT_DIRECTORY_UNAVAILABLE');
    expect(mapLdapError(Object.assign(new Error('self signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'bind').code).toBe('AGENT_TLS_FAILURE');
    expect(mapLdapError(new Error('Connection timeout'), 'bind').code).toBe('AGENT_DIRECTORY_UNAVAILABLE');
    expect(mapLdapError(new Error('Connection closed before message response was received. Message type: SearchRequest (0x63)'), 'search').code).toBe('AGENT_DIRECTORY_UNAVAILABLE');
  });
});
