-- Clean-up, run by one server at a time: finished messages past retention and result TTL, their
-- bodies, bodies orphaned by concurrent acks of one message in two groups, old dedup ids.
CREATE OR REPLACE FUNCTION spool_gc(p_limit integer, p_orphans boolean)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    now bigint := spool_now();
    n bigint := 0;
    m bigint;
    grps bigint[];
    ids bigint[];
BEGIN
    WITH del AS (
        DELETE FROM spool_deliveries d USING (
            SELECT grp_id, msg_id FROM spool_deliveries WHERE state >= 4 AND keep_until <= now LIMIT p_limit) s
        WHERE d.grp_id = s.grp_id AND d.msg_id = s.msg_id AND d.state >= 4 AND d.keep_until <= now
        RETURNING d.grp_id, d.msg_id)
    SELECT array_agg(grp_id), array_agg(msg_id), count(*) INTO grps, ids, n FROM del;
    IF n > 0 THEN
        DELETE FROM spool_messages msg USING unnest(grps, ids) AS i(grp_id, msg_id) JOIN spool_groups g ON g.id = i.grp_id
        WHERE msg.queue_id = g.queue_id AND msg.id = i.msg_id
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries x
                          WHERE x.grp_id = ANY (ARRAY(SELECT xg.id FROM spool_groups xg WHERE xg.queue_id = msg.queue_id))
                            AND x.msg_id = msg.id);
    END IF;
    IF p_orphans THEN
        DELETE FROM spool_messages msg WHERE msg.ctid IN (
            SELECT o.ctid FROM spool_messages o
            WHERE o.enqueued_at < now - 60000
              AND NOT EXISTS (SELECT 1 FROM spool_deliveries x
                              WHERE x.grp_id = ANY (ARRAY(SELECT xg.id FROM spool_groups xg WHERE xg.queue_id = o.queue_id))
                                AND x.msg_id = o.id)
            LIMIT p_limit);
        GET DIAGNOSTICS m = ROW_COUNT;
        n := n + m;
    END IF;
    DELETE FROM spool_dedup WHERE ctid IN (SELECT ctid FROM spool_dedup WHERE expires_at <= now LIMIT p_limit);
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END $function$;
