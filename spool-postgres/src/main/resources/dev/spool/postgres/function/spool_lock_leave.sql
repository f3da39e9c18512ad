-- A waiter leaves the line (its wait ended, its caller cancelled, its server closes). The others
-- are told, since one of them may now be first in line of a free lock. True when the row was there.
CREATE OR REPLACE FUNCTION spool_lock_leave(p_name text, p_waiter bigint)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
BEGIN
    DELETE FROM spool_lock_waiters WHERE id = p_waiter;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM pg_notify('spool', 'l' || p_name);
    RETURN true;
END $function$;
