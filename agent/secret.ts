import { inspect } from 'node:util';

// Holds the bind password so that printing, logging or serialising the
// configuration can never reveal it; only `reveal()` at the bind call does.
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
