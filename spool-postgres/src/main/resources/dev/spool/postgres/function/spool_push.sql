-- Push: all or nothing. Returns each message's id and whether it was stored (false: a dedup hit,
-- the id is the first message's). Payloads stored in chunks come with a NULL payload and their size;
-- the caller inserts the chunks in the same transaction. p_sealed: the payloads are sealed (an
-- encrypted queue, V27, refuses clear ones with SPE01 so that the caller seals them and runs it again).
--
-- A queue with one group (V24) writes one delivery row per message that carries the body too;
-- a queue with more groups writes the body once in spool_messages and a delivery row per group.
--
-- Plans: no sequential or bitmap scans, so a key probe stays on spool_deliveries_key whatever the
-- statistics say (V5, V8). Each statement's plan is the generic one, made once per session: with
-- those scans off there is no other plan to choose for the actual arrays, and planning every
-- statement afresh on every call (force_custom_plan, V5-V24) was a fifth of PostgreSQL's CPU per
-- message. The keys are locked only when some message has one, and a lean push without keys
-- skips the window over the rows (it sorts them, payloads and all) and the key probe.
CREATE OR REPLACE FUNCTION spool_push(p_queue text, p_create boolean, p_payload bytea[], p_size bigint[], p_ctype text[], p_hdrs text[], p_hfrom integer[], p_hto integer[], p_key text[], p_prio integer[], p_trace text[], p_delay bigint[], p_nbf bigint[], p_ttl bigint[], p_dedup text[], p_sealed boolean, OUT ids bigint[], OUT stored boolean[])
 RETURNS record
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
AS $function$
DECLARE
    q spool_queues;
    now bigint := spool_now();
    n int := cardinality(p_size);
    big int;
    first_id bigint;
    gids bigint[];
    keyed boolean := coalesce(array_remove(p_key, NULL) <> '{}', false);
BEGIN
    q := spool_queue_get(p_queue, p_create);
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'queue % does not exist', p_queue USING ERRCODE = 'SPQ01';
    END IF;
    IF q.encrypted AND NOT p_sealed THEN
        RAISE EXCEPTION 'queue % is encrypted', p_queue USING ERRCODE = 'SPE01', DETAIL = p_queue;
    END IF;
    SELECT min(o) INTO big FROM unnest(p_size) WITH ORDINALITY AS u(s, o) WHERE s > q.max_bytes;
    IF big IS NOT NULL THEN
        RAISE EXCEPTION 'payload is larger than max_message_bytes (%)', q.max_bytes
            USING ERRCODE = 'SPT01', DETAIL = 'messages[' || (big - 1) || '].payload';
    END IF;
    -- keys first, then ids: the ids of one key follow commit order
    IF keyed THEN
        PERFORM spool_lock_keys(q.id, p_key);
    END IF;
    ids := ARRAY(SELECT nextval('spool_message_ids') FROM generate_series(1, n));
    stored := array_fill(true, ARRAY[n]);
    IF q.dedup_ms > 0 AND EXISTS (SELECT 1 FROM unnest(p_dedup) d WHERE d IS NOT NULL) THEN
        FOR i IN 1..n LOOP
            CONTINUE WHEN p_dedup[i] IS NULL;
            INSERT INTO spool_dedup AS x (queue_id, dedup_id, msg_id, expires_at)
            VALUES (q.id, p_dedup[i], ids[i], now + q.dedup_ms)
            ON CONFLICT (queue_id, dedup_id) DO UPDATE SET msg_id = EXCLUDED.msg_id, expires_at = EXCLUDED.expires_at
                WHERE x.expires_at <= now
            RETURNING x.msg_id INTO first_id;
            IF NOT FOUND THEN
                SELECT x.msg_id INTO STRICT first_id FROM spool_dedup x WHERE x.queue_id = q.id AND x.dedup_id = p_dedup[i];
                ids[i] := first_id;
                stored[i] := false;
            END IF;
        END LOOP;
    END IF;
    -- after the queue row's lock: a group added meanwhile (spool_put_group locks it FOR UPDATE) is seen
    gids := ARRAY(SELECT g.id FROM spool_groups g WHERE g.queue_id = q.id);
    IF cardinality(gids) = 1 AND NOT keyed THEN
        -- lean, no keys: no message waits behind another
        INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, enqueued_at, expires_at, avail_at,
                                      not_before, content_type, headers, traceparent, size, payload)
        SELECT gids[1], ids[u.o], CASE WHEN greatest(now + u.delay, u.nbf) > now THEN 1 ELSE 0 END,
               u.prio, NULL, now, now + CASE WHEN u.ttl > 0 THEN u.ttl ELSE q.ttl_ms END,
               greatest(now + u.delay, u.nbf), greatest(now + u.delay, u.nbf),
               u.ctype, coalesce(p_hdrs[p_hfrom[u.o]:p_hto[u.o]], '{}'), u.trace, u.size, u.payload
        FROM unnest(p_payload, p_size, p_ctype, p_prio, p_trace, p_delay, p_nbf, p_ttl)
             WITH ORDINALITY AS u(payload, size, ctype, prio, trace, delay, nbf, ttl, o)
        WHERE stored[u.o];
        GET DIAGNOSTICS n = ROW_COUNT;
    ELSIF cardinality(gids) = 1 THEN
        -- lean, with keys: one row per message, body and delivery state together
        INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, enqueued_at, expires_at, avail_at,
                                      not_before, content_type, headers, traceparent, size, payload)
        SELECT gids[1], ids[x.o],
               CASE WHEN x.key IS NOT NULL AND (x.rn > 1 OR EXISTS (
                        SELECT 1 FROM spool_deliveries d WHERE d.grp_id = gids[1] AND d.key = x.key AND d.state < 4)) THEN 2
                    WHEN x.nb > now THEN 1
                    ELSE 0 END,
               x.prio, x.key, now, now + CASE WHEN x.ttl > 0 THEN x.ttl ELSE q.ttl_ms END, x.nb, x.nb,
               x.ctype, coalesce(p_hdrs[p_hfrom[x.o]:p_hto[x.o]], '{}'), x.trace, x.size, x.payload
        FROM (SELECT u.*, greatest(now + u.delay, u.nbf) AS nb,
                     row_number() OVER (PARTITION BY u.key ORDER BY u.o) AS rn
              FROM unnest(p_payload, p_size, p_ctype, p_key, p_prio, p_trace, p_delay, p_nbf, p_ttl)
                   WITH ORDINALITY AS u(payload, size, ctype, key, prio, trace, delay, nbf, ttl, o)
              WHERE stored[u.o]) x;
        GET DIAGNOSTICS n = ROW_COUNT;
    ELSE
        -- bodies and their delivery rows in one statement: the keys are locked above, so the delivery
        -- rows are built from the inserted rows instead of reading the bodies back (spool_fanout)
        WITH ins AS (
            INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                        headers, traceparent, size, payload)
            SELECT q.id, ids[u.o], now, greatest(now + u.delay, u.nbf),
                   now + CASE WHEN u.ttl > 0 THEN u.ttl ELSE q.ttl_ms END,
                   u.prio, u.key, u.ctype, coalesce(p_hdrs[p_hfrom[u.o]:p_hto[u.o]], '{}'), u.trace, u.size, u.payload
            FROM unnest(p_payload, p_size, p_ctype, p_key, p_prio, p_trace, p_delay, p_nbf, p_ttl)
                 WITH ORDINALITY AS u(payload, size, ctype, key, prio, trace, delay, nbf, ttl, o)
            WHERE stored[u.o]
            RETURNING id, key, priority, enqueued_at, expires_at, not_before),
        dlv AS (
            INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, enqueued_at, expires_at, avail_at)
            SELECT x.gid, x.id,
                   CASE WHEN x.key IS NOT NULL AND (x.rn > 1 OR EXISTS (
                            SELECT 1 FROM spool_deliveries d WHERE d.grp_id = x.gid AND d.key = x.key AND d.state < 4)) THEN 2
                        WHEN x.not_before > now THEN 1
                        ELSE 0 END,
                   x.priority, x.key, x.enqueued_at, x.expires_at, x.not_before
            FROM (SELECT g.gid, i.id, i.key, i.priority, i.enqueued_at, i.expires_at, i.not_before,
                         row_number() OVER (PARTITION BY g.gid, i.key ORDER BY i.id) AS rn
                  FROM ins i CROSS JOIN unnest(gids) AS g(gid)) x)
        SELECT count(*) INTO n FROM ins;
    END IF;
    IF n > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
END $function$;
