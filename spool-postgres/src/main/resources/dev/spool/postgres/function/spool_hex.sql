-- A message id as the API shows it: 16 hex digits.
CREATE OR REPLACE FUNCTION spool_hex(p_id bigint)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT lpad(to_hex(p_id), 16, '0') $function$;
