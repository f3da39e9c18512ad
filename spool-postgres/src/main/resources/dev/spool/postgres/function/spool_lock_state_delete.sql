-- Deletes a lock's state document: the fence as spool_lock_fence, then no document: SPL03 not_found,
-- then p_if_version as a write (as the embedded engine orders them). The lock keeps its last version,
-- so the next document gets a version never seen before.
CREATE OR REPLACE FUNCTION spool_lock_state_delete(p_name text, p_lease text, p_token bigint, p_if_version bigint)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    l spool_locks := spool_lock_fence(p_name, p_lease, p_token, NULL);
BEGIN
    IF l.st_version = 0 THEN
        RAISE EXCEPTION 'lock % has no state', p_name USING ERRCODE = 'SPL03';
    END IF;
    IF p_if_version IS NOT NULL AND p_if_version <> l.st_version THEN
        RAISE EXCEPTION 'the state of lock % is at version %, not %', p_name, l.st_version, p_if_version
            USING ERRCODE = 'SPL02';
    END IF;
    IF l.st_doc IS NOT NULL THEN
        DELETE FROM spool_lock_chunks WHERE doc = l.st_doc;
    END IF;
    UPDATE spool_locks SET st_version = 0, st_type = NULL, st_size = NULL, st_updated_at = NULL, st_token = NULL,
           st_data = NULL, st_doc = NULL
    WHERE name = p_name;
END $function$;
