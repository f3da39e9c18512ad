-- Creates a queue or replaces its configuration (attributes: a flat key/value array; encrypted: its
-- payloads and results must come sealed, V27); returns whether it was created.
CREATE OR REPLACE FUNCTION spool_put_queue(p_name text, p_vis bigint, p_max_attempts integer, p_dlq text, p_bo_initial bigint, p_bo_max bigint, p_bo_mult double precision, p_bo_jitter boolean, p_retention bigint, p_ttl bigint, p_max_bytes bigint, p_dedup bigint, p_result_ttl bigint, p_attributes text[], p_encrypted boolean)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
DECLARE
    q spool_queues;
BEGIN
    UPDATE spool_queues SET vis_ms = p_vis, max_attempts = p_max_attempts, dlq = p_dlq, bo_initial_ms = p_bo_initial,
           bo_max_ms = p_bo_max, bo_mult = p_bo_mult, bo_jitter = p_bo_jitter, retention_ms = p_retention,
           ttl_ms = p_ttl, max_bytes = p_max_bytes, dedup_ms = p_dedup, result_ttl_ms = p_result_ttl,
           attributes = p_attributes, encrypted = p_encrypted
    WHERE name = p_name;
    IF FOUND THEN
        RETURN false;
    END IF;
    q := spool_queue_get(p_name, true);
    UPDATE spool_queues SET vis_ms = p_vis, max_attempts = p_max_attempts, dlq = p_dlq, bo_initial_ms = p_bo_initial,
           bo_max_ms = p_bo_max, bo_mult = p_bo_mult, bo_jitter = p_bo_jitter, retention_ms = p_retention,
           ttl_ms = p_ttl, max_bytes = p_max_bytes, dedup_ms = p_dedup, result_ttl_ms = p_result_ttl,
           attributes = p_attributes, encrypted = p_encrypted
    WHERE id = q.id;
    RETURN true;
END $function$;
