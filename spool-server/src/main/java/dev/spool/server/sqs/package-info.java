/**
 * The SQS-compatible endpoint: Amazon SQS's AWS JSON 1.0 and query protocols over the
 * {@link dev.spool.api.Broker}, so applications written for SQS run against Spool by changing their
 * endpoint URL. SQS queues are ordinary Spool queues; what SQS keeps that a Spool queue has no field
 * for (default delay and wait, content-based deduplication, redrive allow policy, tags) is kept by
 * this package beside the broker. The public entry points are
 * {@link dev.spool.server.sqs.SqsEndpoint} and {@link dev.spool.server.sqs.SqsConfig}; the
 * differences from SQS are listed in {@code docs/sqs.md}.
 */
package dev.spool.server.sqs;
