-- Replaces a lock's state document (fence and version as spool_lock_fence). The version is one more
-- than any the lock had, also across deletes. p_data inline (up to 256 KiB) or NULL with the bytes
-- already in spool_lock_chunks under p_doc, written in this transaction. The previous document's
-- chunks are dropped.
CREATE OR REPLACE FUNCTION spool_lock_state_put(p_name text, p_lease text, p_token bigint, p_if_version bigint,
                                                p_type text, p_size bigint, p_data bytea, p_doc bigint)
 RETURNS TABLE(o_version bigint, o_updated_at bigint)
 LANGUAGE plpgsql
AS $function$
DECLARE
    l spool_locks := spool_lock_fence(p_name, p_lease, p_token, p_if_version);
    now bigint := spool_clock();
    v bigint := l.st_last_version + 1;
BEGIN
    IF l.st_doc IS NOT NULL THEN
        DELETE FROM spool_lock_chunks WHERE doc = l.st_doc;
    END IF;
    UPDATE spool_locks SET st_version = v, st_last_version = v, st_type = p_type, st_size = p_size,
           st_updated_at = now, st_token = p_token, st_data = p_data, st_doc = p_doc
    WHERE name = p_name;
    RETURN QUERY SELECT v, now;
END $function$;
