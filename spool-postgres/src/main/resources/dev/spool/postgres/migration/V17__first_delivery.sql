-- V17: when a message was first delivered to a group (Delivery.firstDeliveredAt; SQS's
-- ApproximateFirstReceiveTimestamp). Null until the first pop; set once by spool_pop.
ALTER TABLE spool_deliveries ADD COLUMN IF NOT EXISTS first_at bigint;
