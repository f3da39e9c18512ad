-- The id of a group of a queue (GROUP_NOT_FOUND when it does not exist).
CREATE OR REPLACE FUNCTION spool_group_id(p_queue bigint, p_group text)
 RETURNS bigint
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    g bigint;
BEGIN
    SELECT id INTO g FROM spool_groups WHERE queue_id = p_queue AND name = p_group;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'group % does not exist', p_group USING ERRCODE = 'SPG01';
    END IF;
    RETURN g;
END $function$;
