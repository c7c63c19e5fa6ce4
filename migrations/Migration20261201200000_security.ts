import { Migration } from '@mikro-orm/migrations';

/**
 * Security: sign-in sessions with rotating refresh tokens, API clients (partner systems' keys), login
 * attempts (throttling), and the audit log read by administrators.
 *
 * Secrets are never stored: refresh tokens and API keys are kept as SHA-256 hashes (they are long
 * random strings, so a fast hash is enough; passwords and PINs stay scrypt).
 */
export class Migration20261201200000_security extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table auth_sessions (
  id uuid primary key,
  account_id bigint references accounts(id),
  patron_id bigint references patrons(id),
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoke_reason text check (revoke_reason in ('LOGOUT','REFRESH_TOKEN_REUSE','ACCOUNT_DISABLED','ADMIN')),
  client_address text,
  check ((account_id is null) <> (patron_id is null))
);
create index auth_sessions_account_idx on auth_sessions (account_id) where account_id is not null;
create index auth_sessions_patron_idx on auth_sessions (patron_id) where patron_id is not null;
create index auth_sessions_revoked_idx on auth_sessions (revoked_at) where revoked_at is not null;

-- one row per refresh token ever issued: a used one (used_at set) presented again is a theft signal
create table refresh_tokens (
  token_hash bytea primary key,
  session_id uuid not null references auth_sessions(id) on delete cascade,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index refresh_tokens_session_idx on refresh_tokens (session_id);

create table api_clients (
  id bigint generated always as identity primary key,
  library_id bigint not null references libraries(id),
  name text not null check (length(name) between 1 and 200),
  key_prefix text not null unique,
  key_hash bytea not null,
  permissions text[] not null check (cardinality(permissions) > 0),
  created_by_account_id bigint references accounts(id),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by_account_id bigint references accounts(id)
);
create index api_clients_library_idx on api_clients (library_id, id);

create table login_attempts (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  kind text not null check (kind in ('STAFF','PATRON')),
  identifier text not null,
  client_address text not null,
  success boolean not null
);
create index login_attempts_identifier_idx on login_attempts (kind, identifier, client_address, at);
create index login_attempts_address_idx on login_attempts (client_address, at) where not success;
create index login_attempts_at_idx on login_attempts (at);

alter table audit_log add column actor_api_client_id bigint references api_clients(id);
-- auditLog pages newest first (at, id), filtered by library, action or actor
create index audit_log_library_at_idx on audit_log (library_id, at desc, id desc);
create index audit_log_at_id_idx on audit_log (at desc, id desc);
create index audit_log_action_at_idx on audit_log (action, at desc, id desc);
create index audit_log_actor_account_idx on audit_log (actor_account_id, at desc, id desc) where actor_account_id is not null;
create index audit_log_actor_patron_idx on audit_log (actor_patron_id, at desc, id desc) where actor_patron_id is not null;
create index audit_log_actor_api_client_idx on audit_log (actor_api_client_id, at desc, id desc) where actor_api_client_id is not null;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop index if exists audit_log_library_at_idx, audit_log_at_id_idx, audit_log_action_at_idx, audit_log_actor_account_idx, audit_log_actor_patron_idx, audit_log_actor_api_client_idx;
alter table audit_log drop column if exists actor_api_client_id;
drop table if exists login_attempts, api_clients, refresh_tokens, auth_sessions cascade;`);
  }
}
