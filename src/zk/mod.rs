//! The ZooKeeper session (zookeeper-client): connect with credentials, read and watch the
//! authoritative membership in `/zookeeper/config`.

use crate::config::Credentials;
use crate::ensemble::EnsembleConfig;
use crate::probe::round::{observe, observe_with, ConfigSource, Discovery, Observation};
#[cfg(feature = "tls")]
use crate::probe::secure::TlsConfig;
use crate::probe::secure::TlsPorts;
use std::time::Duration;
use zookeeper_client as zkc;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("could not open a session to {connect} within {ms} ms")]
    Timeout { connect: String, ms: u128 },
    #[error("{connect}: {source}")]
    Zk {
        connect: String,
        #[source]
        source: zkc::Error,
    },
    #[error("/zookeeper/config: {0}")]
    BadConfig(String),
    /// TLS could not be set up or was refused; the text says which and why.
    #[error("{0}")]
    Tls(String),
}

#[cfg(feature = "tls")]
fn tls_options(files: &TlsConfig) -> Result<zkc::TlsOptions, String> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let mut opts = match &files.ca {
        Some(ca) => zkc::TlsOptions::new()
            .with_pem_ca(&read(ca)?)
            .map_err(|e| e.to_string())?,
        None => zkc::TlsOptions::new(),
    };
    if let (Some(c), Some(k)) = (&files.cert, &files.key) {
        opts = opts
            .with_pem_identity(&read(c)?, &read(k)?)
            .map_err(|e| e.to_string())?;
    }
    Ok(opts)
}

/// Opens a session, failing fast when no listed server answers (instead of cycling until the
/// session timeout), and authenticates with digest credentials when given. `tls`: the
/// ensemble's TLS ports and settings, used when `connect` names `tcp+tls://` members.
pub async fn connect_session(
    connect: &str,
    timeout: Duration,
    credentials: Option<&Credentials>,
    tls: &TlsPorts,
) -> Result<zkc::Client, SessionError> {
    let timing = SessionTiming {
        session: Duration::from_secs(10).max(timeout * 4),
        connection: timeout,
    };
    open_session(connect, timeout, timing, credentials, tls).await
}

/// A session that stays open for hours doing nearly nothing (the console's membership watch).
/// The client wakes every eighth of its connection timeout and pings every three such ticks:
/// with the probe timeout (1.5 s) that is 5 wakeups and 2 pings a second, the largest part
/// of an idle console's cost. Here a tick is a second; a hung server is noticed within 8 s,
/// which a watch on a config that changes a few times a year can afford.
pub async fn connect_watch_session(
    connect: &str,
    timeout: Duration,
    credentials: Option<&Credentials>,
    tls: &TlsPorts,
) -> Result<zkc::Client, SessionError> {
    let timing = SessionTiming {
        session: Duration::from_secs(30),
        connection: Duration::from_secs(8),
    };
    open_session(connect, timeout, timing, credentials, tls).await
}

struct SessionTiming {
    session: Duration,
    connection: Duration,
}

async fn open_session(
    connect: &str,
    timeout: Duration,
    timing: SessionTiming,
    credentials: Option<&Credentials>,
    tls: &TlsPorts,
) -> Result<zkc::Client, SessionError> {
    let mut connector = zkc::Client::connector()
        .with_session_timeout(timing.session)
        .with_connection_timeout(timing.connection)
        .with_fail_eagerly();
    if let Some(c) = credentials {
        connector = connector.with_auth("digest", &c.auth_bytes());
    }
    let secure = connect.contains("tcp+tls://");
    #[cfg(feature = "tls")]
    if secure {
        let files = tls.config().cloned().unwrap_or_default();
        connector = connector
            .with_tls(tls_options(&files).map_err(|e| SessionError::Tls(format!("TLS: {e}")))?);
    }
    #[cfg(not(feature = "tls"))]
    if secure {
        return Err(SessionError::Tls(
            "a tcp+tls:// member, and this build has no TLS: rebuild with \
             `cargo build --release --features tls`"
                .into(),
        ));
    }
    #[cfg(feature = "tls")]
    let session = async {
        if secure {
            connector.secure_connect(connect).await
        } else {
            connector.connect(connect).await
        }
    };
    #[cfg(not(feature = "tls"))]
    let session = connector.connect(connect);
    match tokio::time::timeout(timeout * 2, session).await {
        Err(_) => Err(SessionError::Timeout {
            connect: connect.to_string(),
            ms: (timeout * 2).as_millis(),
        }),
        Ok(Err(source)) => {
            // The client only says "no available hosts"; a handshake of our own says why.
            if secure {
                if let Some(reason) = tls_failure(connect, timeout, tls).await {
                    return Err(SessionError::Tls(reason));
                }
            }
            Err(SessionError::Zk {
                connect: connect.to_string(),
                source,
            })
        }
        Ok(Ok(c)) => Ok(c),
    }
}

/// Why the first TLS member of `connect` refuses us, if it does (a certificate, a protocol).
async fn tls_failure(connect: &str, timeout: Duration, tls: &TlsPorts) -> Option<String> {
    use crate::probe::transport::{four_letter_word_within, Budget};
    let seed = crate::probe::round::tls_seeds_of(connect)
        .into_iter()
        .next()?;
    // The seed is TLS by its scheme, whichever ports the ensemble's value names.
    let client = crate::probe::secure::TlsClient::new(tls.config().cloned().unwrap_or_default());
    let budget = Budget::starting_now(timeout);
    match four_letter_word_within(&seed, Some(&client), "ruok", budget, 64).await {
        Err(e @ crate::probe::transport::TransportError::Io { .. }) => Some(e.to_string()),
        _ => None,
    }
}

/// The committed membership and its version (the znode's mzxid, which is what a conditional
/// reconfig expects).
pub async fn read_config(client: &zkc::Client) -> Result<(EnsembleConfig, i64), SessionError> {
    let (data, stat) = client
        .get_config()
        .await
        .map_err(|source| SessionError::Zk {
            connect: "session".into(),
            source,
        })?;
    let text = String::from_utf8_lossy(&data);
    let mut cfg =
        EnsembleConfig::parse(&text).map_err(|e| SessionError::BadConfig(e.to_string()))?;
    if cfg.version.is_none() {
        cfg.version = Some(stat.mzxid as u64);
    }
    Ok((cfg, stat.mzxid))
}

/// One observation of the ensemble. Membership comes from `conf`; where `conf` is not
/// whitelisted but members serve, from `/zookeeper/config` over a session instead; where
/// nothing live tells it (quorum lost), from `remembered`, the last one seen.
pub async fn observe_ensemble(
    d: &Discovery,
    connect: &str,
    credentials: Option<&Credentials>,
    remembered: Option<&EnsembleConfig>,
) -> Observation {
    let obs = observe(d, remembered).await;
    let live_membership = obs.config.is_some() && obs.config_source != ConfigSource::Previous;
    if live_membership || !obs.members.iter().any(|m| m.role.is_serving()) {
        return obs;
    }
    let started = std::time::Instant::now();
    // Ask the members that serve, not only the hosts given: those may have been removed (the
    // membership then came from memory while its members answer).
    let serving: Vec<String> = obs
        .members
        .iter()
        .filter(|m| m.role.is_serving())
        .map(|m| m.address.clone())
        .collect();
    let connect = crate::probe::round::session_connect(connect, &serving);
    let connect = connect.as_str();
    let read = async {
        let client = connect_session(connect, d.opts.timeout, credentials, &d.tls).await?;
        tokio::time::timeout(d.opts.timeout, read_config(&client))
            .await
            .map_err(|_| SessionError::Timeout {
                connect: connect.to_string(),
                ms: d.opts.timeout.as_millis(),
            })?
    };
    match read.await {
        Ok((cfg, _)) => {
            let mut again = observe_with(d, Some((&cfg, ConfigSource::Znode))).await;
            again.elapsed = obs.elapsed + started.elapsed();
            again
        }
        Err(e) => {
            tracing::info!(error = %e, "no membership from /zookeeper/config");
            obs
        }
    }
}
