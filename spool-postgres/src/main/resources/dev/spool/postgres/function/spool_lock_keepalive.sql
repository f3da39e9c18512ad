-- Keepalive: the holder's lease ends p_ttl ms from now (database clock). A stale fence: SPL01.
CREATE OR REPLACE FUNCTION spool_lock_keepalive(p_name text, p_lease text, p_token bigint, p_ttl bigint)
 RETURNS TABLE(o_owner text, o_expires bigint)
 LANGUAGE plpgsql
AS $function$
BEGIN
    RETURN QUERY
    UPDATE spool_locks SET expires_at = spool_clock() + p_ttl
    WHERE name = p_name AND lease_id = p_lease AND token = p_token AND expires_at > spool_clock()
    RETURNING owner, expires_at;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'lock % is not held with this lease id and token (released, expired or taken over)', p_name
            USING ERRCODE = 'SPL01';
    END IF;
END $function$;
