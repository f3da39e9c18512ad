-- Spool's PostgreSQL schema: the tables and indexes (baseline version 11). The SQL functions are
-- in function/*.sql, one file each. Applied by Migrations, under its advisory lock, when the
-- recorded version is below the baseline: on an empty database it creates everything; on a
-- database made by the versioned scripts V1-V11 of earlier builds (whose tables are these) it
-- changes nothing but the storage settings at the end. Every statement is idempotent.
--
-- Times are epoch milliseconds (bigint) taken from the database clock (spool_now()), so that every
-- server shares one clock. Delivery states: 0 ready, 1 timed (delay or backoff), 2 waiting behind
-- its key, 3 leased, 4 acked, 5 dead. States below 4 are unfinished.

CREATE SEQUENCE IF NOT EXISTS spool_message_ids;

CREATE TABLE IF NOT EXISTS spool_queues (
    id            bigserial PRIMARY KEY,
    name          text      NOT NULL UNIQUE,
    vis_ms        bigint    NOT NULL,
    max_attempts  int       NOT NULL,
    dlq           text,
    bo_initial_ms bigint    NOT NULL,
    bo_max_ms     bigint    NOT NULL,
    bo_mult       float8    NOT NULL,
    bo_jitter     boolean   NOT NULL,
    retention_ms  bigint    NOT NULL,
    ttl_ms        bigint    NOT NULL,
    max_bytes     bigint    NOT NULL,
    dedup_ms      bigint    NOT NULL,
    result_ttl_ms bigint    NOT NULL,
    created_at    bigint    NOT NULL
);

-- Every queue has a row named 'default'. start_kind: 0 earliest, 1 latest, 2 at start_ms.
-- Migration V19 adds the column push (text, NULL for a group consumers pop from): see migration/.
CREATE TABLE IF NOT EXISTS spool_groups (
    id         bigserial PRIMARY KEY,
    queue_id   bigint   NOT NULL REFERENCES spool_queues (id) ON DELETE CASCADE,
    name       text     NOT NULL,
    start_kind smallint NOT NULL,
    start_ms   bigint   NOT NULL,
    created_at bigint   NOT NULL,
    UNIQUE (queue_id, name)
);

-- One row per pushed message: the body. payload is NULL when the bytes live in spool_chunks.
-- dead_* columns are set on dead letters: where the message died and why.
CREATE TABLE IF NOT EXISTS spool_messages (
    queue_id         bigint   NOT NULL,
    id               bigint   NOT NULL,
    enqueued_at      bigint   NOT NULL,
    not_before       bigint   NOT NULL,
    expires_at       bigint   NOT NULL,
    priority         smallint NOT NULL,
    key              text,
    content_type     text     NOT NULL,
    headers          text[]   NOT NULL,
    traceparent      text,
    size             bigint   NOT NULL,
    payload          bytea,
    dead_src_queue   bigint,
    dead_src_grp     bigint,
    dead_src_id      bigint,
    dead_reason      text,
    dead_attempts    int,
    dead_enqueued_at bigint,
    PRIMARY KEY (queue_id, id)
);
CREATE INDEX IF NOT EXISTS spool_messages_dead ON spool_messages (dead_src_grp, dead_src_id) WHERE dead_src_grp IS NOT NULL;

-- Payloads too large to read whole, split in chunks of at most 256 KiB.
-- Message ids are unique across queues, so chunks are keyed by message id alone.
CREATE TABLE IF NOT EXISTS spool_chunks (
    msg_id bigint NOT NULL,
    seq    int    NOT NULL,
    data   bytea  NOT NULL,
    PRIMARY KEY (msg_id, seq)
);

-- The state of a message in one group. priority, key, enqueued_at and expires_at are copies of the
-- message's so that the partial indexes below answer pops without touching spool_messages.
-- avail_at: when a timed message becomes ready, or when a lease ends.
CREATE TABLE IF NOT EXISTS spool_deliveries (
    grp_id      bigint   NOT NULL,
    msg_id      bigint   NOT NULL,
    state       smallint NOT NULL,
    priority    smallint NOT NULL,
    key         text,
    enqueued_at bigint   NOT NULL,
    expires_at  bigint   NOT NULL,
    avail_at    bigint   NOT NULL,
    attempts    int      NOT NULL DEFAULT 0,
    last_error  text,
    finished_at bigint,
    keep_until  bigint,
    result      bytea,
    result_type text,
    PRIMARY KEY (grp_id, msg_id)
) WITH (fillfactor = 80);
-- Pop: the ready messages of a group in delivery order.
CREATE INDEX IF NOT EXISTS spool_deliveries_ready ON spool_deliveries (grp_id, priority DESC, msg_id) WHERE state = 0;
-- Settle: timed messages and leases whose time came.
CREATE INDEX IF NOT EXISTS spool_deliveries_due ON spool_deliveries (grp_id, avail_at) WHERE state IN (1, 3);
-- Settle: unconsumed messages past their TTL.
CREATE INDEX IF NOT EXISTS spool_deliveries_ttl ON spool_deliveries (grp_id, expires_at) WHERE state IN (0, 1, 2);
-- Keyed FIFO: the unfinished messages of a key in push order.
CREATE INDEX IF NOT EXISTS spool_deliveries_key ON spool_deliveries (grp_id, key, msg_id) WHERE key IS NOT NULL AND state < 4;
-- Clean-up of finished messages once retention and result TTL passed.
CREATE INDEX IF NOT EXISTS spool_deliveries_keep ON spool_deliveries (keep_until) WHERE state >= 4;

-- De-duplication ids, remembered for the queue's window from the first push.
CREATE TABLE IF NOT EXISTS spool_dedup (
    queue_id   bigint NOT NULL,
    dedup_id   text   NOT NULL,
    msg_id     bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (queue_id, dedup_id)
);
CREATE INDEX IF NOT EXISTS spool_dedup_expiry ON spool_dedup (expires_at);

-- Queue tables churn: every message is inserted, updated and deleted within seconds. Vacuum and
-- analyse them after a small share of changes, so that dead index entries (which every pop walks
-- past) are reclaimed soon and the statistics follow the backlog.
ALTER TABLE spool_deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                                  autovacuum_vacuum_insert_scale_factor = 0.01,
                                  autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE spool_messages SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                                autovacuum_vacuum_insert_scale_factor = 0.01,
                                autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
