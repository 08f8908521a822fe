// The CLI's routing table: one line per subcommand.
import type { AgentCommand } from './command';
import { doctorCommand } from './doctor';
import { enrollCommand } from './enroll';
import { runCommand } from './run';
import { statusCommand } from './status';

export const COMMANDS: readonly AgentCommand[] = [doctorCommand, statusCommand, enrollCommand, runCommand];
