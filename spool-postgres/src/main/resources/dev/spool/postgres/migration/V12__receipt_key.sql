-- V12: the key that signs receipts (issue #11 item 6). One row, shared by every server on this
-- database, drawn once when this script runs (under Migrations' advisory lock, so exactly once):
-- 16 bytes of SHA-256 over two random UUIDs (gen_random_uuid() is core from PostgreSQL 13 and reads
-- the server's strong random source; 244 random bits in, 128 out). Servers read it at start and
-- compute receipt tags (SipHash-2-4) in Java; see ReceiptSigner. Never rotated by Spool: replacing
-- the row makes every outstanding receipt unknown (its lease simply ends).
CREATE TABLE IF NOT EXISTS spool_receipt_key (
    id  smallint PRIMARY KEY CHECK (id = 1),
    k   bytea    NOT NULL CHECK (length(k) = 16)
);
INSERT INTO spool_receipt_key (id, k)
SELECT 1, substring(sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())) FROM 1 FOR 16)
ON CONFLICT (id) DO NOTHING;
