/**
 * Security of the listener (DESIGN §4): TLS and mutual TLS from PEM files with reload, identities
 * from bearer tokens (stored hashed through the Broker SPI) or client certificates, and the
 * permissions {@code produce}, {@code consume}, {@code admin}, {@code lock} on name patterns that
 * every route, stream frame and transaction op is checked against. See {@code docs/security.md}.
 */
package dev.spool.server.security;
