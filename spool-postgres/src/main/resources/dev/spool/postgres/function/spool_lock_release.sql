-- Release by the holder (lease id and token, lease not ended; else SPL01 stale_lease, nothing
-- changes). The line is told (NOTIFY l<name>, sent at commit, so a release inside a transaction
-- serves the next waiter only once the transaction committed); the first waiter takes the lock.
CREATE OR REPLACE FUNCTION spool_lock_release(p_name text, p_lease text, p_token bigint)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE spool_locks SET lease_id = NULL, owner = NULL, token = NULL, acquired_at = NULL, expires_at = NULL
    WHERE name = p_name AND lease_id = p_lease AND token = p_token AND expires_at > spool_clock();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'lock % is not held with this lease id and token (released, expired or taken over)', p_name
            USING ERRCODE = 'SPL01';
    END IF;
    IF EXISTS (SELECT 1 FROM spool_lock_waiters WHERE name = p_name) THEN
        PERFORM pg_notify('spool', 'l' || p_name);
    END IF;
END $function$;
