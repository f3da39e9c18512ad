-- Moves the bodies of a queue's lean delivery rows (V24: one group, body in the delivery row) into
-- spool_messages rows, so that a second group can share them. Called by spool_put_group, which holds
-- the queue row FOR UPDATE: no push (FOR KEY SHARE) writes a lean row meanwhile. The rows are locked
-- first, so a pop, ack, nack or settle of one of them finishes before and none starts until commit;
-- lease state, attempts and receipts do not change.
--
-- Plans: no sequential scans: the group's rows through the primary key. O(messages of the queue),
-- once per group added.
CREATE OR REPLACE FUNCTION spool_share_bodies(p_queue bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SET enable_seqscan TO 'off'
AS $function$
DECLARE
    gids bigint[] := ARRAY(SELECT id FROM spool_groups WHERE queue_id = p_queue);
    n bigint;
BEGIN
    PERFORM 1 FROM spool_deliveries d WHERE d.grp_id = ANY (gids) AND d.content_type IS NOT NULL FOR UPDATE;
    INSERT INTO spool_messages (queue_id, id, enqueued_at, not_before, expires_at, priority, key, content_type,
                                headers, traceparent, size, payload)
    SELECT p_queue, d.msg_id, d.enqueued_at, coalesce(d.not_before, d.enqueued_at), d.expires_at, d.priority, d.key,
           d.content_type, d.headers, d.traceparent, d.size, d.payload
    FROM spool_deliveries d WHERE d.grp_id = ANY (gids) AND d.content_type IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        UPDATE spool_deliveries d SET not_before = NULL, content_type = NULL, headers = NULL, traceparent = NULL,
               size = NULL, payload = NULL
        WHERE d.grp_id = ANY (gids) AND d.content_type IS NOT NULL;
    END IF;
    RETURN n;
END $function$;
