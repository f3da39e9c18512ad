-- V18: locks with fencing tokens and a state document (issue #13). Functions: function/spool_lock_*.sql.
--
-- One row per lock name ever acquired; rows are never deleted, so last_token only grows and a token
-- is never issued twice, across servers and restarts. A lock is held when lease_id is set and
-- expires_at (database clock, ms) is in the future: an expired holder is simply replaced by the next
-- grant, no reaper runs. Names sort bytewise (COLLATE "C"), as on the embedded backend.
CREATE TABLE IF NOT EXISTS spool_locks (
    name            text COLLATE "C" PRIMARY KEY,
    last_token      bigint NOT NULL DEFAULT 0,
    lease_id        text,
    owner           text,
    token           bigint,
    acquired_at     bigint,
    expires_at      bigint,
    -- the state document: st_version 0 = none; st_last_version never goes down, so a version is
    -- never reused after a delete. st_data inline up to 256 KiB, else NULL and the bytes in
    -- spool_lock_chunks under st_doc.
    st_version      bigint NOT NULL DEFAULT 0,
    st_last_version bigint NOT NULL DEFAULT 0,
    st_type         text,
    st_size         bigint,
    st_updated_at   bigint,
    st_token        bigint,
    st_data         bytea,
    st_doc          bigint
);

-- Acquires waiting in line, in arrival order (id). deadline: when the caller stops waiting;
-- seen_at: refreshed by the waiting server every 1.5 s, so waiters of a server that died are skipped
-- after 10 s. server: the waiting server's random id.
CREATE TABLE IF NOT EXISTS spool_lock_waiters (
    id       bigserial PRIMARY KEY,
    name     text COLLATE "C" NOT NULL,
    server   text   NOT NULL,
    owner    text   NOT NULL,
    ttl_ms   bigint NOT NULL,
    lease_id text   NOT NULL,
    deadline bigint NOT NULL,
    seen_at  bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS spool_lock_waiters_line ON spool_lock_waiters (name, id);

-- Large state documents, in chunks of at most 256 KiB, as large message payloads; one document id
-- per write, so a reader streaming an older document never mixes it with a newer one.
CREATE SEQUENCE IF NOT EXISTS spool_lock_docs;
CREATE TABLE IF NOT EXISTS spool_lock_chunks (
    doc  bigint NOT NULL,
    seq  int    NOT NULL,
    data bytea  NOT NULL,
    PRIMARY KEY (doc, seq)
);
