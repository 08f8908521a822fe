#!/usr/bin/env node
// resetdesk-agent: the writeback agent's command line.
//   resetdesk-agent [--config <file>] <command> [args]
import './young-generation';
import { loadAgentConfig } from './config';
import { AgentError } from './errors';
import { COMMANDS } from './commands';
import { EXIT, type CliIo } from './commands/command';

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
};

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: resetdesk-agent [--config <file>] <command> [args]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'The configuration comes from --config, $RESETDESK_AGENT_CONFIG and RESETDESK_AGENT_* variables (see agent/README.md).',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const args = [...argv];
  let configFile: string | undefined;
  while (args[0]?.startsWith('--')) {
    const flag = args.shift()!;
    if (flag === '--config' && args[0]) configFile = args.shift();
    else if (flag.startsWith('--config=')) configFile = flag.slice('--config='.length);
    else if (flag === '--help') {
      io.stdout(usage());
      return EXIT.OK;
    } else {
      io.stderr(`unknown option ${flag}\n${usage()}`);
      return EXIT.USAGE;
    }
  }
  const name = args.shift();
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(name ? `unknown command ${name}\n${usage()}` : usage());
    return EXIT.USAGE;
  }
  try {
    return await command.run(args, {
      io,
      loadConfig: () => loadAgentConfig({ ...(configFile ? { file: configFile } : {}), env: io.env }),
      ...(configFile ? { configFile } : {}),
    });
  } catch (err) {
    if (err instanceof AgentError) {
      io.stderr(`✖ ${err.message} [${err.code}]\n`);
      return err.code === 'AGENT_CONFIG_INVALID' ? EXIT.CONFIG : EXIT.CHECK_FAILED;
    }
    io.stderr('✖ unexpected error; see the details below\n');
    io.stderr(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.CHECK_FAILED;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
