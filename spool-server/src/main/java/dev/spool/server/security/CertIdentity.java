package dev.spool.server.security;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The identity of a verified client certificate: its first URI subject alternative name (e.g. a
 * SPIFFE id {@code spiffe://acme/worker}) if it has one, else the common name of its subject.
 */
final class CertIdentity {
    private static final int SAN_URI = 6;

    private CertIdentity() {
    }

    /** The identity of the session's verified peer, if it presented a certificate. */
    static Optional<String> of(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return of(leaf);
    }

    static Optional<String> of(X509Certificate leaf) {
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && san.get(0) instanceof Integer type && type == SAN_URI
                            && san.get(1) instanceof String uri) {
                        return Optional.of(uri);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        try {
            LdapName dn = new LdapName(leaf.getSubjectX500Principal().getName());
            for (Rdn rdn : dn.getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
