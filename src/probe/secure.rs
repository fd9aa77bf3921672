//! Client ports that speak TLS (`tcp+tls://` in the connect string) and, with the `tls`
//! feature, the connector the four-letter-word probes use for them.
//!
//! ZooKeeper answers four-letter words on its secure client port too, but only inside a TLS
//! session: sent in the clear, the server waits for a handshake and the probe would report a
//! healthy member as unresponsive.

use super::round::{endpoint_key, tls_seeds_of};
use std::collections::BTreeSet;
use std::sync::RwLock;

static SECURE: RwLock<BTreeSet<String>> = RwLock::new(BTreeSet::new());

/// Marks the `tcp+tls://` members of `connect` as TLS client ports for every later probe.
pub fn register(connect: &str) {
    let seeds = tls_seeds_of(connect);
    if seeds.is_empty() {
        return;
    }
    if let Ok(mut set) = SECURE.write() {
        set.extend(seeds.iter().map(|s| endpoint_key(s)));
    }
}

/// Marks one more address as a TLS client port (a member the connect string did not name).
pub fn mark(addr: &str) {
    if let Ok(mut set) = SECURE.write() {
        set.insert(endpoint_key(addr));
    }
}

pub fn is_secure(addr: &str) -> bool {
    SECURE
        .read()
        .map(|set| set.contains(&endpoint_key(addr)))
        .unwrap_or(false)
}

#[cfg(feature = "tls")]
pub use connector::connector;

#[cfg(feature = "tls")]
mod connector {
    use std::sync::{Arc, OnceLock};
    use tokio_rustls::rustls;
    use tokio_rustls::TlsConnector;

    static CONNECTOR: OnceLock<Result<TlsConnector, String>> = OnceLock::new();

    /// One connector for the process, from the ensemble's `tls_ca_file` (and client
    /// certificate, when the server asks for one): the same files the sessions use.
    pub fn connector() -> Result<TlsConnector, String> {
        CONNECTOR.get_or_init(build).clone()
    }

    fn build() -> Result<TlsConnector, String> {
        let files = crate::zk::tls_files();
        let ca = files.ca.ok_or(
            "a tcp+tls:// member needs `tls_ca_file` in its ensemble's config to be verified",
        )?;
        let pem = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| format!("TLS: {}: {e}", p.display()))
        };
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut &pem(&ca)?[..]) {
            let cert = cert.map_err(|e| format!("TLS: {}: {e}", ca.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("TLS: {}: {e}", ca.display()))?;
        }
        if roots.is_empty() {
            return Err(format!("TLS: {} holds no PEM certificate", ca.display()));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots);
        let config = match (&files.cert, &files.key) {
            (Some(c), Some(k)) => {
                let certs = rustls_pemfile::certs(&mut &pem(c)?[..])
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("TLS: {}: {e}", c.display()))?;
                let key = rustls_pemfile::private_key(&mut &pem(k)?[..])
                    .map_err(|e| format!("TLS: {}: {e}", k.display()))?
                    .ok_or_else(|| format!("TLS: {} holds no private key", k.display()))?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| format!("TLS: {e}"))?
            }
            _ => builder.with_no_client_auth(),
        };
        Ok(TlsConnector::from(Arc::new(config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tcp_tls_members_are_secure_in_any_spelling() {
        register("zk9:2181,tcp+tls://localhost:22281,tcp://zk8:2181/app");
        assert!(is_secure("127.0.0.1:22281"));
        assert!(is_secure("LOCALHOST:22281"));
        assert!(!is_secure("zk9:2181"));
        assert!(!is_secure("zk8:2181"));
    }
}
