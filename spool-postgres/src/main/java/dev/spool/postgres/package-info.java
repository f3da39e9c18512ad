/**
 * The PostgreSQL backend of Spool: {@link dev.spool.postgres.PostgresBroker}, configured by
 * {@link dev.spool.postgres.PostgresConfig}. All state lives in the database (tables in the
 * {@code schema.sql} resource, one SQL function per {@code function/} resource), so any number
 * of servers can share one database.
 */
package dev.spool.postgres;
