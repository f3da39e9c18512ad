-- The database clock in epoch milliseconds at the moment of the call (spool_now() is the start of
-- the statement). The lock functions read it after taking the lock's row, so a grant, an expiry
-- check or a keepalive that waited for another transaction judges leases at the moment it decides,
-- and grants of one name carry times in token order.
CREATE OR REPLACE FUNCTION spool_clock()
 RETURNS bigint
 LANGUAGE sql
 VOLATILE
AS $function$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $function$;
