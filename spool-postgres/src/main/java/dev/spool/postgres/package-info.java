/**
 * The PostgreSQL backend of Spool: {@link dev.spool.postgres.PostgresBroker}, configured by
 * {@link dev.spool.postgres.PostgresConfig}. All state lives in the database (schema and functions
 * in the {@code migration} resources), so any number of servers can share one database.
 */
package dev.spool.postgres;
