-- Push groups (issue 16): a named group may carry a push configuration, opaque text (JSON) that
-- the server's push delivery reads. NULL: a group that consumers pop from.
ALTER TABLE spool_groups ADD COLUMN IF NOT EXISTS push text;
