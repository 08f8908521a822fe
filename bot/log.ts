import pino, { type Logger, type DestinationStream } from 'pino';

// Every field that can carry a secret is censored at the logger, once, so a
// careless `log.info({ body })` cannot leak one. Paths cover the shapes our
// code logs: top-level fields, one level of nesting, and card/agent payloads.
const SECRET_KEYS = [
  'password', 'newPassword', 'confirmPassword', 'currentPassword', 'oldPassword',
  'otp', 'oneTimeCode', 'secret', 'token', 'accessToken', 'refreshToken', 'authorization',
  'clientSecret', 'MicrosoftAppPassword', 'bindPassword', 'enrollmentCode', 'sealedPassword',
  'jwe', 'jws', 'privateKey', 'apiKey', 'cookie',
];

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'value',
  '*.value',
  'activity.value',
  'data',
  '*.data',
];

export type { Logger };

export function createLogger(opts: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'resetdesk',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: opts.name ?? 'resetdesk' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
