-- Access tokens (DESIGN §4): the SHA-256 of each secret, never the secret. Shared by every server
-- of the database; a revoked token's row is deleted. Permissions are kept as the strings given
-- (e.g. 'produce:orders.*'); the server parses and checks them.
CREATE TABLE IF NOT EXISTS spool_tokens (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    secret_hash text NOT NULL,
    permissions text[] NOT NULL,
    created_at  bigint NOT NULL
);
