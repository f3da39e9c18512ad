-- Free-form queue attributes (QueueConfig.attributes) as a flat key/value array, and the earlier
-- signature of spool_put_queue, which had no attributes parameter.
ALTER TABLE spool_queues ADD COLUMN IF NOT EXISTS attributes text[];
DROP FUNCTION IF EXISTS spool_put_queue(text, bigint, integer, text, bigint, bigint, double precision, boolean, bigint,
                                        bigint, bigint, bigint, bigint);
