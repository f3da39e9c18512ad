-- The default dead-letter queue name of a queue.
CREATE OR REPLACE FUNCTION spool_dlq_name(p_name text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT CASE WHEN length(p_name) > 124 THEN substr(p_name, 1, 124) ELSE p_name END || '.dlq' $function$;
