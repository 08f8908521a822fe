// The shape every `resetdesk-agent` subcommand has. A new subcommand (enroll,
// run, ...) is one file exporting an AgentCommand plus one line in index.ts.
import type { AgentConfig } from '../config';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface CommandContext {
  io: CliIo;
  /** Loads and validates the configuration (from --config, $RESETDESK_AGENT_CONFIG and the environment). */
  loadConfig(): Promise<AgentConfig>;
  /** The file given with --config, if any (to print commands that use the same one). */
  configFile?: string;
}

export interface AgentCommand {
  name: string;
  usage: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

export const EXIT = { OK: 0, CHECK_FAILED: 1, USAGE: 2, CONFIG: 3, NOT_FOUND: 4 } as const;
