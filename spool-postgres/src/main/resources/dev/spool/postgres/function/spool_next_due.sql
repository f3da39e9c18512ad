-- When the next delay or lease of a group ends (NULL: none), for waiting pops.
--
-- Plans: the first entry of spool_deliveries_due for the group (no sorts, no bitmap scans; V7).
CREATE OR REPLACE FUNCTION spool_next_due(p_queue text, p_group text)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET enable_bitmapscan TO 'off'
 SET enable_sort TO 'off'
AS $function$
    SELECT (SELECT d.avail_at FROM spool_deliveries d WHERE d.grp_id = g.id AND d.state IN (1, 3)
            ORDER BY d.avail_at LIMIT 1)
    FROM spool_groups g JOIN spool_queues q ON q.id = g.queue_id
    WHERE q.name = p_queue AND g.name = p_group
$function$;
