import { createDirectory } from '../directory';
import type { PasswordPolicy } from '../directory/policy';
import { EXIT, type AgentCommand } from './command';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function describePolicy(p: PasswordPolicy): string {
  const days = (s: number | null): string => (s === null ? 'never' : `${Math.round(s / 86_400)} d`);
  const source = p.source === 'fine_grained' ? `fine-grained (${p.psoDn})` : p.fallback ? `domain — the fine-grained policy ${p.fallback.psoDn} applies but is not readable` : 'domain';
  return `${source}: min length ${p.minLength}, complexity ${p.complexity ? 'on' : 'off'}, history ${p.historyLength}, min age ${days(p.minAgeSeconds)}, max age ${days(p.maxAgeSeconds)}`;
}

export const statusCommand: AgentCommand = {
  name: 'status',
  usage: 'status <user>   (UPN, sAMAccountName, SID or GUID)',
  summary: 'show an account\'s state: locked, disabled, must change, expiry, scope, privilege and policy',
  async run(args, { io, loadConfig }) {
    if (args.length !== 1 || !args[0]) {
      io.stderr(`usage: resetdesk-agent ${this.usage}\n`);
      return EXIT.USAGE;
    }
    const directory = createDirectory(await loadConfig());
    try {
      const info = await directory.inspect(args[0]);
      if (!info.found) {
        io.stderr(`✖ no account matches ${JSON.stringify(args[0])}\n`);
        return EXIT.NOT_FOUND;
      }
      const s = info.status;
      const rows: [string, string][] = [
        ['account', `${info.samAccountName}${info.userPrincipalName ? ` (${info.userPrincipalName})` : ''}`],
        ['dn', info.dn],
        ['sid', info.sid],
        ['guid', info.guid],
        ['managed by this agent', yesNo(info.inScope)],
        ['privileged', info.privileged ? `yes (${info.privilegeReasons.join(', ')})` : 'no'],
        ...(info.privileged ? [['privileged because', info.privilegedBecause.join('; ')] as [string, string]] : []),
        ['locked', yesNo(s.locked)],
        ['disabled', yesNo(s.disabled)],
        ['must change at next logon', yesNo(s.mustChangeAtNextLogon)],
        ['password expired', yesNo(s.passwordExpired)],
        ['password last set', s.passwordLastSetAt?.toISOString() ?? 'never'],
        ['password expires', s.passwordNeverExpires ? 'never' : (s.passwordExpiresAt?.toISOString() ?? '—')],
        ['password policy', describePolicy(info.policy)],
        ['history on reset', info.historyEnforcedOnReset ? 'checked by the DC (password-policy-hints control)' : 'not checked: this DC lacks the password-policy-hints control'],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      io.stdout(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n');
      return EXIT.OK;
    } finally {
      await directory.close();
    }
  },
};
