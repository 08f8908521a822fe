import { LOCK_MIGRATIONS, type Engine } from './engine';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Numbered and append-only: a released migration is never edited; a change
// is a new number. Rules the database can enforce (allowed states, wiped job
// text, append-only audit) live here rather than in application code.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE reset_requests (
  id                uuid PRIMARY KEY,
  tenant_id         text NOT NULL,
  owner_aad_id      text NOT NULL,
  requested_by      text,
  kind              text NOT NULL CHECK (kind IN ('reset','unlock','change','status')),
  state             text NOT NULL CHECK (state IN ('started','verifying','verified','awaiting_approval','approved','denied','expired','queued','applying','succeeded','failed','closed')),
  privileged        boolean NOT NULL DEFAULT false,
  methods_required  integer NOT NULL CHECK (methods_required >= 0),
  methods_passed    jsonb NOT NULL DEFAULT '[]'::jsonb,
  subject           jsonb,
  step_token_hash   text CHECK (step_token_hash ~ '^[0-9a-f]{64}$'),
  conversation_id   text,
  card_activity_id  text,
  result_code       text,
  result_message    text,
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL
);
CREATE INDEX reset_requests_owner ON reset_requests (tenant_id, owner_aad_id, created_at DESC);

CREATE TABLE verification_challenges (
  id             uuid PRIMARY KEY,
  request_id     uuid NOT NULL REFERENCES reset_requests(id),
  method         text NOT NULL CHECK (method IN ('email','sms','manager','mfa')),
  masked_target  text,
  code_hash      text CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  code_salt      text,
  attempts       integer NOT NULL DEFAULT 0,
  max_attempts   integer NOT NULL CHECK (max_attempts > 0),
  expires_at     timestamptz NOT NULL,
  last_sent_at   timestamptz,
  send_count     integer NOT NULL DEFAULT 0,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','passed','failed','expired')),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CHECK ((code_hash IS NULL) = (code_salt IS NULL))
);
CREATE INDEX verification_challenges_request ON verification_challenges (request_id);

CREATE TABLE conversation_references (
  tenant_id      text NOT NULL,
  aad_object_id  text NOT NULL,
  reference      jsonb NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, aad_object_id)
);

CREATE TABLE approvals (
  id               uuid PRIMARY KEY,
  request_id       uuid NOT NULL REFERENCES reset_requests(id),
  approver_aad_id  text NOT NULL,
  decision         text NOT NULL CHECK (decision IN ('approved','denied')),
  decided_at       timestamptz NOT NULL,
  UNIQUE (request_id, approver_aad_id)
);

CREATE TABLE writeback_jobs (
  id                uuid PRIMARY KEY,
  request_id        uuid REFERENCES reset_requests(id),
  kind              text NOT NULL CHECK (kind IN ('reset','unlock','change','inspect')),
  state             text NOT NULL CHECK (state IN ('queued','leased','succeeded','failed','expired')),
  signed_job        text,
  created_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  lease_owner       text,
  lease_expires_at  timestamptz,
  attempts          integer NOT NULL DEFAULT 0,
  result            jsonb,
  finished_at       timestamptz,
  -- The sealed password must not outlive the job.
  CHECK (state IN ('queued','leased') OR signed_job IS NULL),
  CHECK (state <> 'leased' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
CREATE INDEX writeback_jobs_open ON writeback_jobs (created_at) WHERE state IN ('queued','leased');
CREATE INDEX writeback_jobs_request ON writeback_jobs (request_id);

CREATE TABLE agents (
  id               uuid PRIMARY KEY,
  name             text NOT NULL,
  signing_jwk      jsonb NOT NULL,
  encryption_jwk   jsonb NOT NULL,
  managed_ous      jsonb NOT NULL,
  enrolled_at      timestamptz NOT NULL,
  last_seen_at     timestamptz,
  revoked_at       timestamptz
);

CREATE TABLE enrollment_codes (
  code_hash   text PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

CREATE TABLE used_token_ids (
  jti         text PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX used_token_ids_expiry ON used_token_ids (expires_at);

CREATE TABLE audit_log (
  seq         bigint PRIMARY KEY CHECK (seq > 0),
  at          timestamptz NOT NULL,
  actor       jsonb NOT NULL,
  action      text NOT NULL,
  request_id  uuid,
  details     jsonb NOT NULL,
  prev_hash   text NOT NULL UNIQUE CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_log_request ON audit_log (request_id, seq);

-- Append-only: even code with full table rights cannot rewrite history.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
`,
  },
  {
    version: 2,
    name: 'challenges saved as the domain computes them',
    // The domain hashes codes itself (salt + server pepper) and names the
    // manager who must confirm; the store keeps what it is given.
    sql: `
ALTER TABLE verification_challenges ADD COLUMN target_ref text;
ALTER TABLE verification_challenges ADD COLUMN digits integer CHECK (digits BETWEEN 6 AND 8);
`,
  },
  {
    version: 3,
    name: 'job results delivered once, across replicas and restarts',
    // A finished job is announced on a channel by the database itself, so no
    // code path that ends a job (result, expiry) can forget to. delivered_at
    // marks that the service has acted on the result; a job finished while no
    // replica was listening stays undelivered until one starts. The inspect
    // report is account status, not a secret, and rides with the result.
    sql: `
ALTER TABLE writeback_jobs ADD COLUMN inspect_report jsonb;
ALTER TABLE writeback_jobs ADD COLUMN delivery_claimed_at timestamptz;
ALTER TABLE writeback_jobs ADD COLUMN delivered_at timestamptz;
UPDATE writeback_jobs SET delivered_at = finished_at WHERE finished_at IS NOT NULL;
CREATE INDEX writeback_jobs_undelivered ON writeback_jobs (finished_at) WHERE delivered_at IS NULL AND finished_at IS NOT NULL;

CREATE FUNCTION writeback_job_finished_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('resetdesk_job_finished', NEW.id::text);
  RETURN NEW;
END
$fn$;
CREATE TRIGGER writeback_job_finished AFTER UPDATE OF state ON writeback_jobs
  FOR EACH ROW WHEN (OLD.state IN ('queued','leased') AND NEW.state IN ('succeeded','failed','expired'))
  EXECUTE FUNCTION writeback_job_finished_notify();
`,
  },
  {
    version: 4,
    name: 'audit chain head as one row',
    // The last link of the audit chain, kept in a single row that every append
    // moves forward with an UPDATE. The row lock serialises appends across
    // replicas (an UPDATE that waited re-reads the row as committed, so the
    // link it makes is always to the newest entry), and an append is one
    // statement that can ride in the same statement as the change it records.
    // The head also lets verification notice entries cut off the end of the log.
    sql: `
CREATE TABLE audit_head (
  id         smallint PRIMARY KEY CHECK (id = 1),
  seq        bigint NOT NULL CHECK (seq >= 0),
  prev_hash  text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash       text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO audit_head (id, seq, prev_hash, hash)
SELECT 1, COALESCE(last.seq, 0), COALESCE(last.prev_hash, repeat('0', 64)), COALESCE(last.hash, repeat('0', 64))
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS last ON true;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
`,
  },
  {
    version: 5,
    name: 'overdue requests found by deadline',
    // The sweep that expires requests nobody finished looks only at requests
    // still waiting on a person; finished ones pile up and must not be read.
    sql: `
CREATE INDEX reset_requests_waiting_deadline ON reset_requests (expires_at)
  WHERE state IN ('started','verifying','verified','awaiting_approval','approved');
`,
  },
  {
    version: 6,
    name: 'audit inbox for the hot path',
    // A step's audit entry lands here in the step's own statement and is
    // chained into audit_log in batches just after (see audit-sealer.ts), so
    // concurrent steps do not queue on the chain's head row. Moving an entry
    // to audit_log deletes it here in the same transaction.
    sql: `
CREATE TABLE audit_inbox (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  actor       jsonb NOT NULL,
  action      text NOT NULL,
  request_id  uuid,
  details     jsonb NOT NULL
);
-- An entry waiting here can be moved to the log, never rewritten.
CREATE TRIGGER audit_inbox_no_update BEFORE UPDATE ON audit_inbox
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
`,
  },
  {
    version: 7,
    name: 'a step token is good only for the verbs of its card',
    // The token proves which card a click came from; the step names that card,
    // and so the only verbs it offered. Cards issued before this migration
    // carry no step: their tokens are dropped, so those cards say "this step
    // is over" instead of accepting any verb.
    sql: `
ALTER TABLE reset_requests ADD COLUMN step text
  CHECK (step IN ('choose_method','enter_code','wait_manager','new_password','change_password','await_approval'));
UPDATE reset_requests SET step_token_hash = NULL WHERE step_token_hash IS NOT NULL;
ALTER TABLE reset_requests ADD CONSTRAINT reset_requests_step_with_token CHECK ((step IS NULL) = (step_token_hash IS NULL));
`,
  },
  {
    version: 8,
    name: 'usage limits per person and per account',
    // One row per limited thing (wrong codes, codes sent, ...) per person or
    // account, counting uses since the window opened. One upsert both checks
    // and counts, so replicas racing on the same person cannot both slip under
    // the limit; the row lock of ON CONFLICT serialises them.
    sql: `
CREATE TABLE usage_limits (
  kind          text NOT NULL,
  scope         text NOT NULL CHECK (scope IN ('person','account')),
  subject       text NOT NULL,
  window_start  timestamptz NOT NULL,
  used          integer NOT NULL CHECK (used >= 0),
  PRIMARY KEY (kind, scope, subject)
);
`,
  },
  {
    version: 9,
    name: 'agents confirmed by an admin',
    // A newly enrolled agent is sealed no password until an admin has compared
    // its key thumbprint and confirmed it. Agents already working before this
    // existed keep working: they count as confirmed by the upgrade.
    sql: `
ALTER TABLE agents ADD COLUMN confirmed_at timestamptz;
ALTER TABLE agents ADD COLUMN confirmed_by text;
ALTER TABLE agents ADD COLUMN version text CHECK (length(version) <= 64);
UPDATE agents SET confirmed_at = enrolled_at, confirmed_by = 'upgrade' WHERE revoked_at IS NULL;
ALTER TABLE agents ADD CONSTRAINT agents_confirmed_by_someone CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL));
`,
  },
  {
    version: 10,
    name: 'the password version a job\'s write starts from',
    // Exactly once across agents: before an agent writes a password it says
    // which unicodePwd version it starts from, and whichever agent leases the
    // job next is handed that version to decide whether the write happened.
    // Once known the version never changes (a write start naming another is
    // refused in the statement that records it).
    sql: `
ALTER TABLE writeback_jobs ADD COLUMN write_from_version integer CHECK (write_from_version >= 0);
ALTER TABLE writeback_jobs ADD COLUMN write_started_at timestamptz;
ALTER TABLE writeback_jobs ADD COLUMN write_started_by text;
ALTER TABLE writeback_jobs ADD CONSTRAINT writeback_jobs_write_start_whole
  CHECK ((write_from_version IS NULL) = (write_started_at IS NULL) AND (write_from_version IS NULL) = (write_started_by IS NULL));
`,
  },
  {
    version: 11,
    name: 'approvals by several people, and where their card is',
    // Why the account is privileged (the agent's words, for the approvers),
    // how many different approvers must say yes, who did, and the channel
    // message of the approval card, so it can be updated for everyone. And
    // settings an admin changes from Teams (the approver channel).
    sql: `
ALTER TABLE reset_requests ADD COLUMN privileged_because jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE reset_requests ADD COLUMN approvals_required integer NOT NULL DEFAULT 0 CHECK (approvals_required BETWEEN 0 AND 5);
ALTER TABLE reset_requests ADD COLUMN approved_by jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE reset_requests ADD COLUMN approval_post jsonb;
-- The helpdesk's ticket number or reason; and the temporary password a
-- helpdesk reset delivers once it is set, sealed to the service's own
-- delivery key (ciphertext only), wiped as soon as it went out.
ALTER TABLE reset_requests ADD COLUMN ticket text CHECK (length(ticket) BETWEEN 1 AND 64);
ALTER TABLE reset_requests ADD COLUMN sealed_delivery text CHECK (length(sealed_delivery) <= 8192);
-- The account owner confirming the helpdesk's caller in Teams is a method too.
ALTER TABLE verification_challenges DROP CONSTRAINT verification_challenges_method_check;
ALTER TABLE verification_challenges ADD CONSTRAINT verification_challenges_method_check CHECK (method IN ('email','sms','manager','mfa','person'));
CREATE TABLE settings (
  key         text PRIMARY KEY CHECK (key ~ '^[a-z_]{1,64}$'),
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL,
  updated_by  text NOT NULL
);
`,
  },
];

export interface MigrationReport {
  applied: number[];
  current: number;
}

// Every replica runs this at start-up; the lock makes the second one wait and
// then find nothing left to do, instead of racing on CREATE TABLE.
export async function runMigrations(engine: Engine, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  return engine.transactionWithLock(LOCK_MIGRATIONS, async (tx) => {
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    const current = Math.max(0, ...done, ...applied);
    return { applied, current };
  });
}
