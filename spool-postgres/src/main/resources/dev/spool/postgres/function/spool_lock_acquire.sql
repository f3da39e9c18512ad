-- Acquire: grants the lock when it is free (never held, released, or its lease ended: no reaper,
-- the expired holder is replaced here) and nobody waits in line before; the token is last_token + 1,
-- written in the same UPDATE. Else, with p_wait > 0, joins the line (a spool_lock_waiters row, its id
-- the arrival order); else answers who holds it. o_status: 0 granted, 1 waiting, 2 held.
-- The lock row is locked FOR UPDATE, so acquires, takes and releases of one name serialise.
CREATE OR REPLACE FUNCTION spool_lock_acquire(p_name text, p_owner text, p_ttl bigint, p_lease text, p_wait bigint,
                                              p_server text)
 RETURNS TABLE(o_status int, o_token bigint, o_expires bigint, o_waiter bigint, o_holder text, o_holder_expires bigint,
               o_now bigint)
 LANGUAGE plpgsql
AS $function$
DECLARE
    now bigint;
    l spool_locks;
    w bigint;
BEGIN
    INSERT INTO spool_locks (name) VALUES (p_name) ON CONFLICT (name) DO NOTHING;
    SELECT * INTO STRICT l FROM spool_locks WHERE name = p_name FOR UPDATE;
    now := spool_clock();
    IF (l.lease_id IS NULL OR l.expires_at <= now) AND NOT spool_lock_ahead(p_name, 0, now) THEN
        UPDATE spool_locks SET last_token = l.last_token + 1, token = l.last_token + 1, lease_id = p_lease,
               owner = p_owner, acquired_at = now, expires_at = now + p_ttl
        WHERE name = p_name;
        RETURN QUERY SELECT 0, l.last_token + 1, now + p_ttl, NULL::bigint, p_owner, now + p_ttl, now;
        RETURN;
    END IF;
    IF l.expires_at <= now THEN
        l.owner := NULL;
        l.expires_at := NULL;
    END IF;
    IF p_wait > 0 THEN
        INSERT INTO spool_lock_waiters (name, server, owner, ttl_ms, lease_id, deadline, seen_at)
        VALUES (p_name, p_server, p_owner, p_ttl, p_lease, now + p_wait, now)
        RETURNING id INTO w;
        RETURN QUERY SELECT 1, NULL::bigint, NULL::bigint, w, l.owner, l.expires_at, now;
        RETURN;
    END IF;
    RETURN QUERY SELECT 2, NULL::bigint, NULL::bigint, NULL::bigint, l.owner, l.expires_at, now;
END $function$;
