//! The ZooKeeper session (zookeeper-client): connect with credentials, read and watch the
//! authoritative membership in `/zookeeper/config`.

use crate::config::Credentials;
use crate::ensemble::EnsembleConfig;
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
}

/// Opens a session, failing fast when no listed server answers (instead of cycling until the
/// session timeout), and authenticates with digest credentials when given.
pub async fn connect(
    connect: &str,
    timeout: Duration,
    credentials: Option<&Credentials>,
) -> Result<zkc::Client, SessionError> {
    let mut connector = zkc::Client::connector()
        .with_session_timeout(Duration::from_secs(10).max(timeout * 4))
        .with_connection_timeout(timeout)
        .with_fail_eagerly();
    if let Some(c) = credentials {
        connector = connector.with_auth("digest", &c.auth_bytes());
    }
    match tokio::time::timeout(timeout * 2, connector.connect(connect)).await {
        Err(_) => Err(SessionError::Timeout {
            connect: connect.to_string(),
            ms: (timeout * 2).as_millis(),
        }),
        Ok(Err(source)) => Err(SessionError::Zk {
            connect: connect.to_string(),
            source,
        }),
        Ok(Ok(c)) => Ok(c),
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
