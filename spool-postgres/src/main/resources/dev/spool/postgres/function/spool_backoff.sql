-- The delay before the next attempt after p_attempts failed ones: exponential from the queue's
-- bo_initial_ms up to bo_max_ms, with full jitter when bo_jitter.
CREATE OR REPLACE FUNCTION spool_backoff(q spool_queues, p_attempts integer)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    e int := greatest(p_attempts - 1, 0);
    b bigint;
BEGIN
    IF q.bo_initial_ms = 0 THEN
        b := 0;
    ELSIF e > 0 AND e * ln(q.bo_mult) > ln(q.bo_max_ms::float8 / q.bo_initial_ms) THEN
        b := q.bo_max_ms;
    ELSE
        b := least(q.bo_max_ms::float8, q.bo_initial_ms * power(q.bo_mult, e))::bigint;
    END IF;
    IF q.bo_jitter THEN
        RETURN floor(random() * (b + 1))::bigint;
    END IF;
    RETURN b;
END $function$;
