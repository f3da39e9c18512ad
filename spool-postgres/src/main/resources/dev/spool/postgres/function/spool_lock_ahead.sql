-- Whether a live waiter (its wait not over, its server seen within 10 s) stands in line for a lock
-- before waiter p_before (0: any waiter at all). Waiters of a server that died are skipped once
-- their seen_at is 10 s old, so a dead server never blocks a line for longer.
CREATE OR REPLACE FUNCTION spool_lock_ahead(p_name text, p_before bigint, p_now bigint)
 RETURNS boolean
 LANGUAGE sql
 STABLE
AS $function$
    SELECT EXISTS (SELECT 1 FROM spool_lock_waiters w
                   WHERE w.name = p_name AND (p_before = 0 OR w.id < p_before)
                     AND w.deadline > p_now AND w.seen_at > p_now - 10000)
$function$;
