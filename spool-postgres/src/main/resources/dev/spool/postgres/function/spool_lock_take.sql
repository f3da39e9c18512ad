-- A waiter's attempt (the first in line of its server, woken by a release, a waiter leaving, the
-- holder's expiry or the safety re-check): grants the lock to waiter p_waiter when it is free and no
-- live waiter stands before it, with the waiter's owner, lease id and TTL counted from now, and
-- removes it from the line. Also drops the line's dead rows (wait over, or server not seen for 10 s).
-- o_status: 0 granted, 1 still waiting (o_holder_expires: when the holder's lease ends, if held),
-- 3 gone (the row was dropped as dead: the caller joins the line again).
CREATE OR REPLACE FUNCTION spool_lock_take(p_name text, p_waiter bigint)
 RETURNS TABLE(o_status int, o_token bigint, o_expires bigint, o_holder text, o_holder_expires bigint, o_now bigint)
 LANGUAGE plpgsql
AS $function$
DECLARE
    now bigint;
    l spool_locks;
    w spool_lock_waiters;
BEGIN
    SELECT * INTO STRICT l FROM spool_locks WHERE name = p_name FOR UPDATE;
    now := spool_clock();
    DELETE FROM spool_lock_waiters
    WHERE name = p_name AND id <> p_waiter AND (deadline <= now OR seen_at <= now - 10000);
    SELECT * INTO w FROM spool_lock_waiters WHERE id = p_waiter;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 3, NULL::bigint, NULL::bigint, NULL::text, NULL::bigint, now;
        RETURN;
    END IF;
    IF (l.lease_id IS NULL OR l.expires_at <= now) AND NOT spool_lock_ahead(p_name, p_waiter, now) THEN
        UPDATE spool_locks SET last_token = l.last_token + 1, token = l.last_token + 1, lease_id = w.lease_id,
               owner = w.owner, acquired_at = now, expires_at = now + w.ttl_ms
        WHERE name = p_name;
        DELETE FROM spool_lock_waiters WHERE id = p_waiter;
        RETURN QUERY SELECT 0, l.last_token + 1, now + w.ttl_ms, w.owner, now + w.ttl_ms, now;
        RETURN;
    END IF;
    IF l.lease_id IS NULL OR l.expires_at <= now THEN
        RETURN QUERY SELECT 1, NULL::bigint, NULL::bigint, NULL::text, NULL::bigint, now;
        RETURN;
    END IF;
    RETURN QUERY SELECT 1, NULL::bigint, NULL::bigint, l.owner, l.expires_at, now;
END $function$;
