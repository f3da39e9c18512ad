-- The row of a lock whose holder is the fence (lease id and token, lease not ended; else SPL01
-- stale_lease), locked FOR UPDATE until the transaction ends, with the state's version checked
-- against p_if_version when given (else SPL02 version_mismatch). Every state write and delete starts
-- here; a large write calls it first, before streaming its chunks.
CREATE OR REPLACE FUNCTION spool_lock_fence(p_name text, p_lease text, p_token bigint, p_if_version bigint)
 RETURNS spool_locks
 LANGUAGE plpgsql
AS $function$
DECLARE
    l spool_locks;
BEGIN
    SELECT * INTO l FROM spool_locks WHERE name = p_name FOR UPDATE;
    IF NOT FOUND OR l.lease_id IS DISTINCT FROM p_lease OR l.token IS DISTINCT FROM p_token
            OR l.expires_at <= spool_clock() THEN
        RAISE EXCEPTION 'lock % is not held with this lease id and token (released, expired or taken over)', p_name
            USING ERRCODE = 'SPL01';
    END IF;
    IF p_if_version IS NOT NULL AND p_if_version <> l.st_version THEN
        RAISE EXCEPTION 'the state of lock % is at version %, not %', p_name, l.st_version, p_if_version
            USING ERRCODE = 'SPL02';
    END IF;
    RETURN l;
END $function$;
