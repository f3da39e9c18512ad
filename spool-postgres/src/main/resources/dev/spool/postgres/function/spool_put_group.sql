-- Creates a named group (kind 0 earliest, 1 latest, 2 at p_ms) and gives it the messages its start
-- position covers. Returns whether it was created; CONFLICT if it exists with another start.
CREATE OR REPLACE FUNCTION spool_put_group(p_queue text, p_group text, p_kind smallint, p_ms bigint, p_max_groups integer)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues := spool_queue_get(p_queue, false);
    now bigint := spool_now();
    g spool_groups;
    n int;
    ids bigint[];
BEGIN
    PERFORM 1 FROM spool_queues WHERE id = q.id FOR UPDATE;
    SELECT * INTO g FROM spool_groups WHERE queue_id = q.id AND name = p_group;
    IF FOUND THEN
        IF g.start_kind = p_kind AND (p_kind <> 2 OR g.start_ms = p_ms) THEN
            RETURN false;
        END IF;
        RAISE EXCEPTION 'group % exists with another start position', p_group USING ERRCODE = 'SPC01';
    END IF;
    SELECT count(*) INTO n FROM spool_groups WHERE queue_id = q.id AND name <> 'default';
    IF n >= p_max_groups THEN
        RAISE EXCEPTION 'at most % groups per queue', p_max_groups USING ERRCODE = 'SPR01';
    END IF;
    -- the queue had one group: its lean rows (V24) keep their bodies to themselves; share them first
    PERFORM spool_share_bodies(q.id);
    INSERT INTO spool_groups (queue_id, name, start_kind, start_ms, created_at)
    VALUES (q.id, p_group, p_kind, CASE WHEN p_kind = 1 THEN now ELSE p_ms END, now)
    RETURNING * INTO g;
    IF p_kind <> 1 THEN
        SELECT array_agg(m.id) INTO ids FROM spool_messages m
        WHERE m.queue_id = q.id AND (p_kind = 0 OR m.enqueued_at >= p_ms)
          AND EXISTS (SELECT 1 FROM spool_deliveries x JOIN spool_groups xg ON xg.id = x.grp_id
                      WHERE xg.queue_id = q.id AND x.msg_id = m.id
                        AND (x.state < 4 OR x.finished_at + q.retention_ms > now));
        IF ids IS NOT NULL THEN
            PERFORM spool_fanout(q.id, g.id, ids, now);
            PERFORM pg_notify('spool', 'r' || q.name);
        END IF;
    END IF;
    RETURN true;
END $function$;
