//! TLS client ports as values: the settings of one ensemble (`TlsConfig`), the client built
//! from them (`TlsClient`), and which of its client ports speak TLS (`TlsPorts`). They travel
//! from the resolved ensemble into probes and sessions; nothing here is process-wide, so a
//! second ensemble opened in the same process uses its own CA.
//!
//! ZooKeeper answers four-letter words on its secure client port too, but only inside a TLS
//! session: sent in the clear, the server waits for a handshake and the probe would report a
//! healthy member as unresponsive.

use super::observation::{endpoint_key, tls_seeds_of};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The files of an ensemble's TLS settings (`tls_ca_file`, `tls_cert_file`, `tls_key_file`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsConfig {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// A `TlsConfig` with the connector built from it. Built once, when the ensemble is
/// resolved; a build that failed (a missing or unreadable file) is tried again at each use,
/// so fixing the file needs no restart.
#[derive(Clone)]
pub struct TlsClient {
    config: TlsConfig,
    #[cfg(feature = "tls")]
    built: Result<tokio_rustls::TlsConnector, String>,
}

impl TlsClient {
    pub fn new(config: TlsConfig) -> Self {
        Self {
            #[cfg(feature = "tls")]
            built: connector::build(&config),
            config,
        }
    }

    pub fn config(&self) -> &TlsConfig {
        &self.config
    }

    /// The connector the four-letter-word probes use on a TLS client port.
    #[cfg(feature = "tls")]
    pub fn connector(&self) -> Result<tokio_rustls::TlsConnector, String> {
        match &self.built {
            Ok(c) => Ok(c.clone()),
            Err(_) => connector::build(&self.config),
        }
    }
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Two clients are the same when built from the same files.
impl PartialEq for TlsClient {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}

impl Eq for TlsClient {}

/// Which client ports of one ensemble speak TLS (the `tcp+tls://` entries of its connect
/// string), and the client that speaks it to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsPorts {
    /// `endpoint_key`s of the TLS seeds.
    keys: BTreeSet<String>,
    /// Their ports: a member probed at an assumed address borrows a seed's port, and with
    /// a TLS seed's port, its TLS.
    ports: BTreeSet<String>,
    client: Option<TlsClient>,
}

impl TlsPorts {
    /// The TLS ports of `connect`, reached with `config`'s files. No `tcp+tls://` entry:
    /// no TLS at all, whatever the files.
    pub fn of(connect: &str, config: TlsConfig) -> Self {
        let seeds = tls_seeds_of(connect);
        if seeds.is_empty() {
            return Self::default();
        }
        Self {
            keys: seeds.iter().map(|s| endpoint_key(s)).collect(),
            ports: seeds
                .iter()
                .filter_map(|s| s.rsplit_once(':').map(|(_, p)| p.to_string()))
                .collect(),
            client: Some(TlsClient::new(config)),
        }
    }

    /// The TLS client for `addr` when it is a TLS port (`assumed`: the address was made of a
    /// member's host and a seed's port), `None` for a plain one.
    pub fn client_for(&self, addr: &str, assumed: bool) -> Option<TlsClient> {
        let key = endpoint_key(addr);
        let lent = assumed
            && key
                .rsplit_once(':')
                .is_some_and(|(_, p)| self.ports.contains(p));
        if self.keys.contains(&key) || lent {
            self.client.clone()
        } else {
            None
        }
    }

    /// The settings for sessions (`tcp+tls://` in their connect string); `None` without TLS.
    pub fn config(&self) -> Option<&TlsConfig> {
        self.client.as_ref().map(TlsClient::config)
    }
}

#[cfg(feature = "tls")]
mod connector {
    use super::TlsConfig;
    use std::sync::Arc;
    use tokio_rustls::rustls;
    use tokio_rustls::TlsConnector;

    /// A connector from the ensemble's `tls_ca_file` (and client certificate, when the
    /// server asks for one): the same files the sessions use.
    pub(super) fn build(files: &TlsConfig) -> Result<TlsConnector, String> {
        let ca = files.ca.as_ref().ok_or(
            "a tcp+tls:// member needs `tls_ca_file` in its ensemble's config to be verified",
        )?;
        let pem = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| format!("TLS: {}: {e}", p.display()))
        };
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut &pem(ca)?[..]) {
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
        let tls = TlsPorts::of(
            "zk9:2181,tcp+tls://localhost:22281,tcp://zk8:2181/app",
            TlsConfig::default(),
        );
        assert!(tls.client_for("127.0.0.1:22281", false).is_some());
        assert!(tls.client_for("LOCALHOST:22281", false).is_some());
        assert!(tls.client_for("zk9:2181", false).is_none());
        assert!(tls.client_for("zk8:2181", true).is_none());
        // A member at an assumed address with the TLS seed's port speaks TLS too.
        assert!(tls.client_for("zk7:22281", true).is_some());
        assert!(tls.client_for("zk7:22281", false).is_none());
        assert_eq!(
            TlsPorts::of("zk1:2181", TlsConfig::default()),
            TlsPorts::default()
        );
    }

    #[test]
    fn two_ensembles_keep_their_own_settings() {
        let ca = |p: &str| TlsConfig {
            ca: Some(p.into()),
            ..TlsConfig::default()
        };
        let a = TlsPorts::of("tcp+tls://zk1:2281", ca("/a.pem"));
        let b = TlsPorts::of("tcp+tls://zk1:2281", ca("/b.pem"));
        assert_eq!(a.config(), Some(&ca("/a.pem")));
        assert_eq!(b.config(), Some(&ca("/b.pem")));
        let client = a.client_for("zk1:2281", false).unwrap();
        assert_eq!(client.config(), &ca("/a.pem"));
    }
}
