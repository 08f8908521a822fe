import { defaultStateDir } from '../daemon/agent-state';
import { enrollAgent } from '../daemon/enroll';
import { ServiceRefusedError, ServiceUnreachableError } from '../daemon/gateway-client';
import { isProtocolError } from '../protocol';
import { resolve } from 'node:path';
import { EXIT, type AgentCommand } from './command';

/** Quotes a path for a shell command a person will copy. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

// The code may also come from the environment, so it need not appear in the
// process list or the shell history.
export const ENROLLMENT_CODE_ENV = 'RESETDESK_AGENT_ENROLLMENT_CODE';

export function parseFlags(args: string[], known: readonly string[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!arg.startsWith('--') || !known.includes(name)) return `unknown option ${arg}`;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') return `${arg} needs a value`;
    out[name] = value;
  }
  return out;
}

export const enrollCommand: AgentCommand = {
  name: 'enroll',
  usage: 'enroll --service <https://bot-host> --code <CODE> [--name <name>] [--state-dir <dir>]',
  summary: 'register this agent with the ResetDesk service using a one-time code from an admin',
  async run(args, { io, loadConfig, configFile }) {
    const flags = parseFlags(args, ['service', 'code', 'name', 'state-dir']);
    const code = typeof flags === 'string' ? undefined : (flags.code ?? io.env[ENROLLMENT_CODE_ENV]);
    if (typeof flags === 'string' || !flags.service || !code) {
      io.stderr(`${typeof flags === 'string' ? `${flags}\n` : ''}usage: resetdesk-agent ${this.usage}\n(the code may also be given in $${ENROLLMENT_CODE_ENV})\n`);
      return EXIT.USAGE;
    }
    // The OUs this agent serves come from its configuration, so enroll after `doctor` passes.
    const config = await loadConfig();
    const stateDir = flags['state-dir'] ?? defaultStateDir(io.env);
    try {
      const answer = await enrollAgent({ serviceUrl: flags.service, code, ...(flags.name ? { name: flags.name } : {}), managedOus: config.managedOus, stateDir });
      const configPart = configFile ? ` --config ${shellQuote(resolve(configFile))}` : '';
      io.stdout([
        `✔ enrolled as agent ${answer.agentId}`,
        `  key thumbprint ${answer.keyThumbprint}`,
        `  service        ${answer.serviceUrl}`,
        `  service key id ${answer.serviceKeyId}   (only jobs signed by this key are accepted)`,
        `  state folder   ${stateDir}`,
        '',
        'An admin must confirm this agent before it gets any job: they run `npm run admin -- agents` on the service',
        '(or open the card in the approver channel) and check that it shows the same key thumbprint as above.',
        '',
        `Start it with: resetdesk-agent run${configPart} --state-dir ${shellQuote(resolve(stateDir))}`,
        '',
      ].join('\n'));
      return EXIT.OK;
    } catch (err) {
      if (err instanceof ServiceRefusedError || err instanceof ServiceUnreachableError || isProtocolError(err)) {
        io.stderr(`✖ ${err.message} [${err.code}]\n`);
        return EXIT.CHECK_FAILED;
      }
      throw err;
    }
  },
};
