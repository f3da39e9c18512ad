-- V27: per-queue encryption at rest (issue 15). A queue created with "encrypted": true keeps that
-- flag here; spool_push refuses clear payloads for it and spool_ack clear results (SQLSTATE SPE01,
-- the queue's name in DETAIL), so a server that did not know the queue is encrypted seals and runs
-- the statement again (AtRestRows). The functions whose arguments changed are dropped here and
-- created again from function/ with their new arguments.
ALTER TABLE spool_queues ADD COLUMN IF NOT EXISTS encrypted boolean NOT NULL DEFAULT false;
DROP FUNCTION IF EXISTS spool_put_queue(text, bigint, integer, text, bigint, bigint, double precision, boolean, bigint,
    bigint, bigint, bigint, bigint, text[]);
DROP FUNCTION IF EXISTS spool_push(text, boolean, bytea[], bigint[], text[], text[], integer[], integer[], text[],
    integer[], text[], bigint[], bigint[], bigint[], text[]);
