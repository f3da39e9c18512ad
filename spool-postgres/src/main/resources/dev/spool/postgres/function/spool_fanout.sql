-- Creates the delivery rows of messages in every group of a queue (or only p_only). A keyed message
-- waits (state 2) when its key has an unfinished message in the group.
--
-- Plans: no sequential scans: bodies by primary key (V7).
CREATE OR REPLACE FUNCTION spool_fanout(p_queue bigint, p_only bigint, p_ids bigint[], p_now bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET enable_seqscan TO 'off'
AS $function$
BEGIN
    PERFORM spool_lock_keys(p_queue, ARRAY(SELECT m.key FROM spool_messages m
                                           WHERE m.queue_id = p_queue AND m.id = ANY (p_ids) AND m.key IS NOT NULL));
    INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, enqueued_at, expires_at, avail_at)
    SELECT x.gid, x.id,
           CASE WHEN x.key IS NOT NULL AND (x.rn > 1 OR EXISTS (
                    SELECT 1 FROM spool_deliveries d WHERE d.grp_id = x.gid AND d.key = x.key AND d.state < 4)) THEN 2
                WHEN x.not_before > p_now THEN 1
                ELSE 0 END,
           x.priority, x.key, x.enqueued_at, x.expires_at, x.not_before
    FROM (SELECT g.id AS gid, m.id, m.key, m.priority, m.enqueued_at, m.expires_at, m.not_before,
                 row_number() OVER (PARTITION BY g.id, m.key ORDER BY m.id) AS rn
          FROM spool_messages m
          JOIN spool_groups g ON g.queue_id = p_queue AND (p_only IS NULL OR g.id = p_only)
          WHERE m.queue_id = p_queue AND m.id = ANY (p_ids)) x;
END $function$;
