// The agent's own version, from the package it ships in: reported at
// enrollment and on every lease, so admins see which agents need upgrading.
import packageJson from '../package.json';

export const AGENT_VERSION: string = packageJson.version;
