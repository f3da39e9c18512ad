/**
 * Push delivery (DESIGN §5, {@code docs/push.md}): the server consumes push groups itself and POSTs
 * each message to the group's endpoint, acking on 2xx, retrying with backoff on 408, 429, 5xx,
 * timeouts and connection errors, and dead-lettering on other statuses. Push groups are ordinary
 * named groups whose push configuration the Broker SPI stores, so delivery resumes after a restart
 * and runs on every server of a PostgreSQL cluster, leases keeping each message with one server.
 */
package dev.spool.server.push;
