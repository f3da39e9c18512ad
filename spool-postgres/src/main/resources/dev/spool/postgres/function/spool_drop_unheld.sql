-- Drops message bodies no group holds any more.
--
-- Plans: "does a group still hold this body" probes the full primary key of spool_deliveries (V5).
CREATE OR REPLACE FUNCTION spool_drop_unheld(p_queue bigint, p_ids bigint[])
 RETURNS void
 LANGUAGE sql
AS $function$
    DELETE FROM spool_messages m
    USING (SELECT DISTINCT u.id FROM unnest(p_ids) AS u(id)) r
    WHERE m.queue_id = p_queue AND m.id = r.id
      AND NOT EXISTS (SELECT 1 FROM spool_deliveries x
                      WHERE x.grp_id = ANY (ARRAY(SELECT g.id FROM spool_groups g WHERE g.queue_id = p_queue))
                        AND x.msg_id = m.id)
$function$;
