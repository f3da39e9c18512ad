-- A queue's row; with p_create, creates it from the server's defaults (spool.settings) if
-- absent (QUEUE_NOT_FOUND otherwise; TOO_MANY_QUEUES past the limit).
CREATE OR REPLACE FUNCTION spool_queue_get(p_name text, p_create boolean)
 RETURNS spool_queues
 LANGUAGE plpgsql
AS $function$
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
                              retention_ms, ttl_ms, max_bytes, dedup_ms, result_ttl_ms, encrypted, created_at)
    VALUES (p_name, spool_setting(3)::bigint, spool_setting(4)::int, nullif(spool_setting(5), ''),
            spool_setting(6)::bigint, spool_setting(7)::bigint, spool_setting(8)::float8, spool_setting(9)::boolean,
            spool_setting(10)::bigint, spool_setting(11)::bigint, spool_setting(12)::bigint,
            spool_setting(13)::bigint, spool_setting(14)::bigint,
            coalesce(spool_setting(15), 'false')::boolean, spool_now())
    ON CONFLICT (name) DO NOTHING
    RETURNING * INTO q;
    IF NOT FOUND THEN
        SELECT * INTO STRICT q FROM spool_queues WHERE name = p_name;
        RETURN q;
    END IF;
    INSERT INTO spool_groups (queue_id, name, start_kind, start_ms, created_at)
    VALUES (q.id, 'default', 0, 0, q.created_at);
    RETURN q;
END $function$;
