-- Statements the Java side prepares, by name. Each is one round trip; the work is in the functions
-- of function/*.sql. Loaded by Sql.java.

-- name: settings
-- Run once on every new connection (pooled, LISTEN, migrations), so a reconnect gets them too. jit off:
-- stock packages enable LLVM JIT, and a pop's estimated cost crosses jit_above_cost, so PostgreSQL
-- compiled it on every call (~130 ms per pop). read committed: pops and receipt updates rely on it
-- (FOR UPDATE SKIP LOCKED re-checks a row changed by a concurrent commit instead of failing).
SELECT set_config('spool.settings', ?, false), set_config('jit', 'off', false),
       set_config('default_transaction_isolation', 'read committed', false)

-- name: ping
SELECT spool_now()

-- name: push
SELECT ids, stored FROM spool_push(?, ?, ?::bytea[], ?::bigint[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[],
                                   ?::int[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?)

-- name: insert_chunk
INSERT INTO spool_chunks (msg_id, seq, data) VALUES (?, ?, ?)

-- name: read_chunk
SELECT data FROM spool_chunks WHERE msg_id = ? AND seq = ?

-- name: pop
SELECT msg_id, attempts, enqueued_at, lease_end, priority, key, content_type, headers, traceparent, size, payload,
       grp_id, first_at
FROM spool_pop(?, ?, ?, ?, ?)

-- name: next_due
SELECT spool_next_due(?, ?), spool_now()

-- name: ack
SELECT spool_ack(?, ?, ?, ?::bigint[], ?::int[], ?, ?)

-- name: nack
SELECT spool_nack(?, ?, ?, ?::bigint[], ?::int[], ?, ?)

-- name: kill
SELECT spool_kill(?, ?, ?, ?::bigint[], ?::int[], ?)

-- name: extend
SELECT spool_extend(?, ?, ?, ?::bigint[], ?::int[], ?)

-- name: receipt_key
SELECT k FROM spool_receipt_key WHERE id = 1

-- name: group_id
SELECT g.id FROM spool_groups g JOIN spool_queues q ON q.id = g.queue_id WHERE q.name = ? AND g.name = ?

-- name: get
SELECT state, attempts, enqueued_at, avail_at, expires_at, last_error, result, result_type, has_body, priority,
       key, content_type, headers, traceparent, size, payload, now_ms
FROM spool_get(?, ?, ?)

-- name: browse
SELECT msg_id, state, attempts, enqueued_at, avail_at, last_error, priority, key, content_type, headers,
       traceparent, size, payload, body_queue, body_id
FROM spool_browse(?, ?, ?, ?, ?)

-- name: redrive
SELECT spool_redrive(?, ?, ?)

-- name: redrive_ids
SELECT spool_redrive_ids(?, ?, ?, ?)

-- name: put_queue
SELECT spool_put_queue(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: get_queue
SELECT name, vis_ms, max_attempts, dlq, bo_initial_ms, bo_max_ms, bo_mult, bo_jitter, retention_ms, ttl_ms,
       max_bytes, dedup_ms, result_ttl_ms, attributes, encrypted, created_at
FROM spool_queues WHERE name = ?

-- name: list_queues
SELECT name, vis_ms, max_attempts, dlq, bo_initial_ms, bo_max_ms, bo_mult, bo_jitter, retention_ms, ttl_ms,
       max_bytes, dedup_ms, result_ttl_ms, attributes, encrypted, created_at
FROM spool_queues ORDER BY name

-- name: stats
SELECT grp_name, start_kind, start_ms, created_at, ready, delayed, in_flight, dead, oldest_ready_age
FROM spool_stats(?)

-- name: delete_queue
SELECT spool_delete_queue(?)

-- name: purge
SELECT spool_purge(?)

-- name: put_group
SELECT spool_put_group(?, ?, ?::smallint, ?, ?)

-- name: set_group_push
UPDATE spool_groups SET push = ? WHERE queue_id = (SELECT id FROM spool_queues WHERE name = ?) AND name = ?

-- name: group_pushes
SELECT g.name, g.push FROM spool_groups g JOIN spool_queues q ON q.id = g.queue_id
WHERE q.name = ? AND g.push IS NOT NULL

-- name: delete_group
SELECT spool_delete_group(?, ?)

-- name: gc
SELECT spool_gc(?, ?)

-- name: try_maintenance_lock
SELECT pg_try_advisory_xact_lock(7303042001)

-- name: token_count
SELECT count(*) FROM spool_tokens

-- name: token_insert
INSERT INTO spool_tokens (id, name, secret_hash, permissions, created_at) VALUES (?, ?, ?, ?::text[], ?)
ON CONFLICT (id) DO NOTHING

-- name: token_list
SELECT id, name, secret_hash, permissions, created_at FROM spool_tokens ORDER BY id

-- name: token_delete
DELETE FROM spool_tokens WHERE id = ?
-- Locks (V18, function/spool_lock_*.sql).

-- name: lock_acquire
SELECT o_status, o_token, o_expires, o_waiter, o_holder, o_holder_expires, o_now
FROM spool_lock_acquire(?, ?, ?, ?, ?, ?)

-- name: lock_take
SELECT o_status, o_token, o_expires, o_holder, o_holder_expires, o_now FROM spool_lock_take(?, ?)

-- name: lock_leave
SELECT spool_lock_leave(?, ?)

-- name: lock_heartbeat
UPDATE spool_lock_waiters SET seen_at = spool_now() WHERE id = ANY (?::bigint[])

-- name: gc_lock_waiters
DELETE FROM spool_lock_waiters WHERE id IN (SELECT id FROM spool_lock_waiters
                                            WHERE deadline <= spool_now() OR seen_at <= spool_now() - 10000
                                            LIMIT 10000)

-- name: lock_leave_server
DELETE FROM spool_lock_waiters WHERE server = ?

-- name: lock_release
SELECT spool_lock_release(?, ?, ?)

-- name: lock_keepalive
SELECT o_owner, o_expires FROM spool_lock_keepalive(?, ?, ?, ?)

-- name: lock_info
SELECT l.name, l.last_token, l.lease_id IS NOT NULL AND l.expires_at > n.now AS held, l.owner, l.token,
       l.acquired_at, l.expires_at, l.st_version, l.st_type, l.st_size, l.st_updated_at, l.st_token,
       (SELECT count(*) FROM spool_lock_waiters w
        WHERE w.name = l.name AND w.deadline > n.now AND w.seen_at > n.now - 10000) AS waiters
FROM spool_locks l, (SELECT spool_now() AS now) n
WHERE l.name = ?

-- name: lock_list
SELECT l.name, l.last_token, l.lease_id IS NOT NULL AND l.expires_at > n.now AS held, l.owner, l.token,
       l.acquired_at, l.expires_at, l.st_version, l.st_type, l.st_size, l.st_updated_at, l.st_token,
       (SELECT count(*) FROM spool_lock_waiters w
        WHERE w.name = l.name AND w.deadline > n.now AND w.seen_at > n.now - 10000) AS waiters
FROM spool_locks l, (SELECT spool_now() AS now) n
WHERE l.name >= ? AND l.name < ? AND l.name > ?
ORDER BY l.name
LIMIT ?

-- name: lock_state_get
SELECT st_version, st_type, st_size, st_updated_at, st_token, st_data, st_doc
FROM spool_locks WHERE name = ? AND st_version > 0

-- name: lock_fence
SELECT (spool_lock_fence(?, ?, ?, ?)).name

-- name: lock_state_put
SELECT o_version, o_updated_at FROM spool_lock_state_put(?, ?, ?, ?, ?, ?, ?, ?)

-- name: lock_state_delete
SELECT spool_lock_state_delete(?, ?, ?, ?)

-- name: lock_doc_id
SELECT nextval('spool_lock_docs')

-- name: insert_lock_chunk
INSERT INTO spool_lock_chunks (doc, seq, data) VALUES (?, ?, ?)

-- name: read_lock_chunk
SELECT data FROM spool_lock_chunks WHERE doc = ? AND seq = ?
