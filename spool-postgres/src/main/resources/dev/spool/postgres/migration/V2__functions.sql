-- Spool schema, version 2: the server-side operations. Each Broker call is one function call (one
-- round trip); the function settles lazily what time changed (ended leases, ended delays, TTLs)
-- before it acts, so no reaper loop is needed. Errors use SQLSTATEs of class SP (see PgErrors.java).

CREATE FUNCTION spool_now() RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint $$;

-- The connecting server's settings, set per connection: limits and the defaults of auto-created queues.
CREATE FUNCTION spool_setting(i int) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT (string_to_array(current_setting('spool.settings'), '|'))[i] $$;

CREATE FUNCTION spool_dlq_name(p_name text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN length(p_name) > 124 THEN substr(p_name, 1, 124) ELSE p_name END || '.dlq' $$;

CREATE FUNCTION spool_hex(p_id bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT lpad(to_hex(p_id), 16, '0') $$;

CREATE FUNCTION spool_queue_get(p_name text, p_create boolean) RETURNS spool_queues LANGUAGE plpgsql AS $$
DECLARE
    q spool_queues;
    n bigint;
BEGIN
    SELECT * INTO q FROM spool_queues WHERE name = p_name;
    IF FOUND THEN
        RETURN q;
    END IF;
    IF NOT p_create THEN
        RAISE EXCEPTION 'queue % does not exist', p_name USING ERRCODE = 'SPQ01';
    END IF;
    SELECT count(*) INTO n FROM spool_queues;
    IF n >= spool_setting(1)::bigint THEN
        RAISE EXCEPTION 'at most % queues', spool_setting(1) USING ERRCODE = 'SPR01';
    END IF;
    INSERT INTO spool_queues (name, vis_ms, max_attempts, dlq, bo_initial_ms, bo_max_ms, bo_mult, bo_jitter,
                              retention_ms, ttl_ms, max_bytes, dedup_ms, result_ttl_ms, created_at)
    VALUES (p_name, spool_setting(3)::bigint, spool_setting(4)::int, nullif(spool_setting(5), ''),
            spool_setting(6)::bigint, spool_setting(7)::bigint, spool_setting(8)::float8, spool_setting(9)::boolean,
            spool_setting(10)::bigint, spool_setting(11)::bigint, spool_setting(12)::bigint,
            spool_setting(13)::bigint, spool_setting(14)::bigint, spool_now())
    ON CONFLICT (name) DO NOTHING
    RETURNING * INTO q;
    IF NOT FOUND THEN
        SELECT * INTO STRICT q FROM spool_queues WHERE name = p_name;
        RETURN q;
    END IF;
    INSERT INTO spool_groups (queue_id, name, start_kind, start_ms, created_at)
    VALUES (q.id, 'default', 0, 0, q.created_at);
    RETURN q;
END $$;

CREATE FUNCTION spool_group_id(p_queue bigint, p_group text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    g bigint;
BEGIN
    SELECT id INTO g FROM spool_groups WHERE queue_id = p_queue AND name = p_group;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'group % does not exist', p_group USING ERRCODE = 'SPG01';
    END IF;
    RETURN g;
END $$;

-- Keyed FIFO: takes the (queue, key) locks in one order so that concurrent writers of a key serialise.
CREATE FUNCTION spool_lock_keys(p_queue bigint, p_keys text[]) RETURNS void LANGUAGE sql AS $$
    SELECT count(pg_advisory_xact_lock(p_queue::int, s.h))::int * 0
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(p_keys) k WHERE k IS NOT NULL ORDER BY 1) s
$$;

-- Creates the delivery rows of messages in every group of a queue (or only p_only). A keyed message
-- waits (state 2) when its key has an unfinished message in the group.
CREATE FUNCTION spool_fanout(p_queue bigint, p_only bigint, p_ids bigint[], p_now bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM spool_lock_keys(p_queue, ARRAY(SELECT m.key FROM spool_messages m
                                           WHERE m.queue_id = p_queue AND m.id = ANY (p_ids) AND m.key IS NOT NULL));
    INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, enqueued_at, expires_at, avail_at)
    SELECT x.gid, x.id,
           CASE WHEN x.key IS NOT NULL AND (x.rn > 1 OR EXISTS (
                    SELECT 1 FROM spool_deliveries d WHERE d.grp_id = x.gid AND d.key = x.key AND d.state < 4)) THEN 2
                WHEN x.not_before > p_now THEN 1
                ELSE 0 END,
           x.priority, x.key, x.enqueued_at, x.expires_at, x.not_before
    FROM (SELECT g.id AS gid, m.id, m.key, m.priority, m.enqueued_at, m.expires_at, m.not_before,
                 row_number() OVER (PARTITION BY g.id, m.key ORDER BY m.id) AS rn
          FROM spool_messages m
          JOIN spool_groups g ON g.queue_id = p_queue AND (p_only IS NULL OR g.id = p_only)
          WHERE m.queue_id = p_queue AND m.id = ANY (p_ids)) x;
END $$;

-- After messages of these keys finished in a group: the oldest waiting one of each key whose key has
-- no other unfinished message becomes ready (or timed). Returns how many became ready now.
CREATE FUNCTION spool_promote(p_queue bigint, p_grp bigint, p_keys text[], p_now bigint) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    IF p_keys IS NULL OR cardinality(p_keys) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM spool_lock_keys(p_queue, p_keys);
    WITH u AS (
        UPDATE spool_deliveries d SET state = CASE WHEN d.avail_at > p_now THEN 1 ELSE 0 END
        FROM (SELECT DISTINCT ON (x.key) x.msg_id FROM spool_deliveries x
              WHERE x.grp_id = p_grp AND x.key = ANY (p_keys) AND x.state = 2
              ORDER BY x.key, x.msg_id) h
        WHERE d.grp_id = p_grp AND d.msg_id = h.msg_id AND d.state = 2
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries y
                          WHERE y.grp_id = p_grp AND y.key = d.key AND y.state IN (0, 1, 3))
        RETURNING d.state)
    SELECT count(*) FILTER (WHERE state = 0) INTO n FROM u;
    RETURN n;
END $$;

-- Drops message bodies no group holds any more.
CREATE FUNCTION spool_drop_unheld(p_queue bigint, p_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM spool_messages m
    WHERE m.queue_id = p_queue AND m.id = ANY (p_ids)
      AND NOT EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups g ON g.id = x.grp_id
                      WHERE g.queue_id = p_queue AND x.msg_id = m.id)
$$;

CREATE FUNCTION spool_drop_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM spool_chunks WHERE msg_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER spool_messages_chunks AFTER DELETE ON spool_messages
    FOR EACH ROW WHEN (OLD.payload IS NULL) EXECUTE FUNCTION spool_drop_chunks();

-- Messages that died in (q, group): their rows are already DEAD; push a copy of each to the
-- dead-letter queue with the spool-* headers, and let their keys move on.
CREATE FUNCTION spool_dead_letter(q spool_queues, p_grp bigint, p_ids bigint[], p_reasons text[], p_keys text[],
                                  p_now bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    dq spool_queues;
    gname text;
    new_ids bigint[];
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    SELECT name INTO gname FROM spool_groups WHERE id = p_grp;
    dq := spool_queue_get(coalesce(q.dlq, spool_dlq_name(q.name)), true);
    WITH ins AS (
        INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                    headers, traceparent, size, payload, dead_src_queue, dead_src_grp, dead_src_id,
                                    dead_reason, dead_attempts, dead_enqueued_at)
        SELECT dq.id, nextval('spool_message_ids'), p_now, p_now, p_now + dq.ttl_ms, m.priority, m.key,
               m.content_type,
               m.headers || ARRAY['spool-dead-reason', r.reason, 'spool-source-queue', q.name,
                                  'spool-source-group', gname, 'spool-source-id', spool_hex(m.id)],
               m.traceparent, m.size, m.payload, q.id, p_grp, m.id, r.reason, d.attempts, m.enqueued_at
        FROM (SELECT * FROM unnest(p_ids, p_reasons) AS u(id, reason) ORDER BY 1) r
        JOIN spool_messages m ON m.queue_id = q.id AND m.id = r.id
        LEFT JOIN spool_deliveries d ON d.grp_id = p_grp AND d.msg_id = r.id
        ORDER BY m.id
        RETURNING id)
    SELECT array_agg(id) INTO new_ids FROM ins;
    INSERT INTO spool_chunks (msg_id, seq, data)
    SELECT m.id, c.seq, c.data
    FROM spool_messages m JOIN spool_chunks c ON c.msg_id = m.dead_src_id
    WHERE m.queue_id = dq.id AND m.id = ANY (new_ids) AND m.payload IS NULL;
    PERFORM spool_fanout(dq.id, NULL, new_ids, p_now);
    PERFORM pg_notify('spool', 'r' || dq.name);
    PERFORM pg_notify('spool', 'd' || q.name);
    PERFORM spool_promote(q.id, p_grp, p_keys, p_now);
    PERFORM pg_notify('spool', 'r' || q.name);
END $$;

-- Applies what time changed in a group: ended delays become ready; ended leases become ready, or
-- die when the attempts are used up, or expire past the TTL; unconsumed messages past their TTL go.
CREATE FUNCTION spool_settle(q spool_queues, p_grp bigint, p_now bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    keys text[];
    n int := 0;
    i int := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM spool_deliveries WHERE grp_id = p_grp AND state IN (1, 3) AND avail_at <= p_now)
       AND NOT EXISTS (SELECT 1 FROM spool_deliveries WHERE grp_id = p_grp AND state IN (0, 1, 2)
                       AND expires_at <= p_now) THEN
        RETURN;
    END IF;
    -- concurrent settles of one group would only wait for each other
    IF NOT pg_try_advisory_xact_lock(-1, p_grp::int) THEN
        RETURN;
    END IF;
    IF q.max_attempts > 0 THEN
        WITH u AS (
            UPDATE spool_deliveries SET state = 5, finished_at = p_now, keep_until = p_now + q.result_ttl_ms,
                   last_error = 'max_attempts exceeded: lease expired'
            WHERE grp_id = p_grp AND state = 3 AND avail_at <= p_now AND attempts >= q.max_attempts
            RETURNING msg_id, key)
        SELECT array_agg(msg_id), array_agg(key) INTO ids, keys FROM u;
        PERFORM spool_dead_letter(q, p_grp, ids, array_fill('max_attempts exceeded: lease expired'::text,
                                  ARRAY[coalesce(cardinality(ids), 0)]), keys, p_now);
    END IF;
    UPDATE spool_deliveries SET state = 0, last_error = 'lease expired'
    WHERE grp_id = p_grp AND state = 3 AND avail_at <= p_now AND expires_at > p_now;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE spool_deliveries SET state = 0 WHERE grp_id = p_grp AND state = 1 AND avail_at <= p_now
                                            AND expires_at > p_now;
    GET DIAGNOSTICS i = ROW_COUNT;
    n := n + i;
    LOOP
        WITH del AS (
            DELETE FROM spool_deliveries
            WHERE grp_id = p_grp AND ((state IN (0, 1, 2) AND expires_at <= p_now)
                                      OR (state = 3 AND avail_at <= p_now AND expires_at <= p_now))
            RETURNING msg_id, key)
        SELECT array_agg(msg_id), array_agg(key) FILTER (WHERE key IS NOT NULL) INTO ids, keys FROM del;
        EXIT WHEN ids IS NULL;
        PERFORM spool_drop_unheld(q.id, ids);
        PERFORM pg_notify('spool', 'd' || q.name);
        n := n + spool_promote(q.id, p_grp, keys, p_now);
        i := i + 1;
        EXIT WHEN keys IS NULL OR i > 100;
    END LOOP;
    IF n > 0 THEN
        PERFORM pg_notify('spool', 'r' || q.name);
    END IF;
END $$;

-- When the next delay or lease of a group ends (NULL: none), for waiting pops.
CREATE FUNCTION spool_next_due(p_queue text, p_group text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT min(d.avail_at) FROM spool_deliveries d
    JOIN spool_groups g ON g.id = d.grp_id
    JOIN spool_queues q ON q.id = g.queue_id
    WHERE q.name = p_queue AND g.name = p_group AND d.state IN (1, 3)
$$;

CREATE FUNCTION spool_backoff(q spool_queues, p_attempts int) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e int := greatest(p_attempts - 1, 0);
    b bigint;
BEGIN
    IF q.bo_initial_ms = 0 THEN
        b := 0;
    ELSIF e > 0 AND e * ln(q.bo_mult) > ln(q.bo_max_ms::float8 / q.bo_initial_ms) THEN
        b := q.bo_max_ms;
    ELSE
        b := least(q.bo_max_ms::float8, q.bo_initial_ms * power(q.bo_mult, e))::bigint;
    END IF;
    IF q.bo_jitter THEN
        RETURN floor(random() * (b + 1))::bigint;
    END IF;
    RETURN b;
END $$;
