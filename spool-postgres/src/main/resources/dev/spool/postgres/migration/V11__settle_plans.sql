-- Spool schema, version 11: the settle probes of a pop and the promotion of a key's next message
-- stay index probes whatever the statistics say (found by PostgresPlansTest).
--
-- Every pop (and task view, stats, redrive) first asks whether anything of the group is due:
-- "a timed or leased row whose time has come" and "an unfinished row past its TTL". Both are
-- partial-index probes that find nothing in the steady state. With statistics of a backlog
-- (ANALYZE after 100 000 rows, 5 % leased), the planner estimated thousands of matches for the
-- first one (state IN (1, 3) is 5 % of the rows, avail_at <= now nearly all of them; it cannot
-- know that no leased row has avail_at in the past) and chose a sequential scan expected to stop
-- at the first match - which never comes: every pop read the whole table (PostgresPlansTest).
-- spool_settle now plans without sequential scans; bitmap scans stay allowed for its rare
-- clean-up of expired rows, whose OR of two partial indexes has no other index plan.
ALTER FUNCTION spool_settle(spool_queues, bigint, bigint) SET enable_seqscan = off SET enable_bitmapscan = on;

-- An ack, nack or expiry of keyed messages promotes the next message of each key: the oldest
-- waiting delivery (state 2) of each key. The planner used to find those rows by walking
-- spool_deliveries_ttl for the whole group, filtering on key and state, and then to join them to
-- the rows to update by walking that index again (an ack of 100 keyed messages on a queue of a
-- million read two million index entries, with and without statistics). Now each key's head is
-- the first state-2 entry of the key in spool_deliveries_key (sorts off, so the index order is the
-- one plan for "ORDER BY msg_id LIMIT 1"), and the heads are updated by primary key: the state
-- test is written state::int = 2 so that no partial index can serve a walk of the group, and
-- hash and merge joins are off, which leaves one probe per head. The work is bounded by the
-- messages of the keys named, not by the queue. The keys' advisory locks (taken first) keep the
-- heads from changing between the two statements.
CREATE OR REPLACE FUNCTION spool_promote(p_queue bigint, p_grp bigint, p_keys text[], p_now bigint) RETURNS int
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan SET enable_seqscan = off SET enable_bitmapscan = off
    SET enable_sort = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
    n int;
    heads bigint[];
BEGIN
    IF p_keys IS NULL OR cardinality(p_keys) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM spool_lock_keys(p_queue, p_keys);
    heads := ARRAY(
        SELECT h.msg_id FROM (SELECT DISTINCT k FROM unnest(p_keys) AS k WHERE k IS NOT NULL) ks
        CROSS JOIN LATERAL (SELECT x.msg_id FROM spool_deliveries x
                            WHERE x.grp_id = p_grp AND x.key = ks.k AND x.state = 2
                            ORDER BY x.msg_id LIMIT 1) h);
    IF cardinality(heads) = 0 THEN
        RETURN 0;
    END IF;
    WITH u AS (
        UPDATE spool_deliveries d SET state = CASE WHEN d.avail_at > p_now THEN 1 ELSE 0 END
        FROM unnest(heads) AS h(id)
        WHERE d.grp_id = p_grp AND d.msg_id = h.id AND d.state::int = 2
          AND NOT EXISTS (SELECT 1 FROM spool_deliveries y
                          WHERE y.grp_id = p_grp AND y.key = d.key AND y.state IN (0, 1, 3))
        RETURNING d.state)
    SELECT count(*) FILTER (WHERE state = 0) INTO n FROM u;
    RETURN n;
END $$;
