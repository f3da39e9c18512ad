-- The array it is given, opaque to the planner. "msg_id = ANY (spool_ids(a))" instead of
-- "msg_id = ANY (a)" keeps the primary-key probes of ack, nack and extend on PostgreSQL 13-16:
-- there a custom plan sees the array as a constant of, say, 100 ids, costs an index scan with it
-- as 100 descents, and while the statistics are absent and the group looks small (25 rows
-- estimated for 5 000) prefers one range scan of the whole group with the array as a filter
-- (an ack of 100 receipts read all 10 000 entries; PostgresPlansTest on Debian's 15). A STABLE
-- PL/pgSQL function is neither inlined nor folded while planning, so the array counts as the
-- default 10 elements and the probes win; it runs once per statement, when the scan starts.
-- PostgreSQL 17 costs an array condition as one scan and does not need this.
CREATE OR REPLACE FUNCTION spool_ids(p bigint[])
 RETURNS bigint[]
 LANGUAGE plpgsql
 STABLE
AS $function$
BEGIN
    RETURN p;
END $function$;
