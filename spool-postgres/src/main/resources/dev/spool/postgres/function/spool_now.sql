-- The database clock in epoch milliseconds: every server shares it.
CREATE OR REPLACE FUNCTION spool_now()
 RETURNS bigint
 LANGUAGE sql
 STABLE
AS $function$ SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint $function$;
