-- The connecting server's settings, set per connection: limits and the defaults of auto-created queues.
CREATE OR REPLACE FUNCTION spool_setting(i integer)
 RETURNS text
 LANGUAGE sql
 STABLE
AS $function$ SELECT (string_to_array(current_setting('spool.settings'), '|'))[i] $function$;
