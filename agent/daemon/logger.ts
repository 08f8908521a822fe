// The daemon's structured log (JSON lines on stdout, for journald or the
// Windows event log forwarder). Secret-bearing fields are censored at the
// logger, so even a careless field cannot carry a password or a token.
import pino, { type DestinationStream, type Logger } from 'pino';

const SECRET_KEYS = ['password', 'newPassword', 'currentPassword', 'bindPassword', 'code', 'token', 'authorization', 'jws', 'sealedPassword', 'privateKey', 'd'];

export function createAgentLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      name: 'resetdesk-agent',
      base: { service: 'resetdesk-agent' },
      redact: { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
