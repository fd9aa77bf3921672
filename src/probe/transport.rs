//! The two wire protocols a probe speaks: four-letter words on the client port and plain
//! HTTP GET against the AdminServer. Both are bounded in time and in reply size, so a hung or
//! hostile peer costs at most one timeout and a fixed amount of memory.

use super::secure::TlsClient;
use std::io::ErrorKind;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// Replies larger than this are cut off: a full `mntr` on 3.8 is ~25 KB, `cons` on a busy
/// server can be large, and nothing we parse needs more.
pub const DEFAULT_REPLY_CAP: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("connection refused (nothing listening on {0})")]
    Refused(String),
    #[error("no answer from {addr} within {ms} ms")]
    Timeout { addr: String, ms: u128 },
    #[error("{addr}: {message}")]
    Io { addr: String, message: String },
    /// The host name does not resolve: nothing there to answer (status reads it as down, not
    /// as a member that answered wrongly).
    #[error("{addr}: cannot resolve the host: {message}")]
    Unresolved { addr: String, message: String },
    #[error("reply from {addr} is larger than {cap} bytes")]
    TooLarge { addr: String, cap: usize },
}

/// One deadline shared by every exchange of a task (a whole member probe), and the timeout it
/// came from, which is what an error reports.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
    timeout: Duration,
}

impl Budget {
    pub fn starting_now(timeout: Duration) -> Self {
        Self {
            deadline: Instant::now() + timeout,
            timeout,
        }
    }
}

/// Sends a four-letter word to a plain client port and reads until the server closes the
/// connection.
pub async fn four_letter_word(
    addr: &str,
    cmd: &str,
    timeout: Duration,
    cap: usize,
) -> Result<String, TransportError> {
    four_letter_word_within(addr, None, cmd, Budget::starting_now(timeout), cap).await
}

/// As `four_letter_word`, finishing by the budget's deadline; inside a TLS session when the
/// port speaks TLS (`tls` given).
pub async fn four_letter_word_within(
    addr: &str,
    tls: Option<&TlsClient>,
    cmd: &str,
    budget: Budget,
    cap: usize,
) -> Result<String, TransportError> {
    let Budget { deadline, timeout } = budget;
    let bytes = if let Some(tls) = tls {
        exchange_tls(addr, tls, cmd.as_bytes(), deadline, timeout, cap).await?
    } else {
        exchange(addr, cmd.as_bytes(), deadline, timeout, cap).await?
    };
    Ok(into_text(bytes))
}

/// The reply as text, without a copy when it is UTF-8 (as ZooKeeper's always is); bytes
/// that are not become U+FFFD, which the parsers reject.
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(not(feature = "tls"))]
async fn exchange_tls(
    addr: &str,
    _tls: &TlsClient,
    _request: &[u8],
    _deadline: Instant,
    _timeout: Duration,
    _cap: usize,
) -> Result<Vec<u8>, TransportError> {
    Err(TransportError::Io {
        addr: addr.to_string(),
        message: "a TLS client port, and this build has no TLS: rebuild with \
                  `cargo build --release --features tls`, or give the plain client port"
            .into(),
    })
}

/// As `exchange`, inside a TLS session verified against the ensemble's CA.
#[cfg(feature = "tls")]
async fn exchange_tls(
    addr: &str,
    tls: &TlsClient,
    request: &[u8],
    deadline: Instant,
    timeout: Duration,
    cap: usize,
) -> Result<Vec<u8>, TransportError> {
    let fail = |message: String| TransportError::Io {
        addr: addr.to_string(),
        message,
    };
    let connector = tls.connector().map_err(fail)?;
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| fail(format!("not a TLS server name: {e}")))?;
    let tcp = connect(addr, deadline, timeout).await?;
    let stream = timeout_at(deadline, connector.connect(name, tcp))
        .await
        .map_err(|_| timed_out(addr, timeout))?
        .map_err(|e| fail(format!("TLS handshake failed: {e}")))?;
    talk(stream, addr, request, deadline, timeout, cap).await
}

/// An HTTP/1.0 GET: 1.0 so the server closes the connection after the body and never uses
/// chunked encoding, which keeps this reader trivial.
pub async fn http_get(
    base_url: &str,
    path: &str,
    timeout: Duration,
    cap: usize,
) -> Result<(u16, String), TransportError> {
    http_get_within(base_url, path, Budget::starting_now(timeout), cap).await
}

/// As `http_get`, finishing by the budget's deadline.
pub async fn http_get_within(
    base_url: &str,
    path: &str,
    budget: Budget,
    cap: usize,
) -> Result<(u16, String), TransportError> {
    let Budget { deadline, timeout } = budget;
    let (host_port, prefix) = split_http_url(base_url).ok_or_else(|| TransportError::Io {
        addr: base_url.to_string(),
        message: "AdminServer URL must look like http://host:port".into(),
    })?;
    let request = format!(
        "GET {prefix}{path} HTTP/1.0\r\nHost: {host_port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    let bytes = exchange(&host_port, request.as_bytes(), deadline, timeout, cap).await?;
    let text = into_text(bytes);
    let (head, body) = match text.split_once("\r\n\r\n") {
        Some(parts) => parts,
        None => text.split_once("\n\n").unwrap_or((text.as_str(), "")),
    };
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| TransportError::Io {
            addr: host_port.clone(),
            message: format!("not an HTTP reply: {:?}", excerpt(head)),
        })?;
    Ok((status, body.to_string()))
}

/// `http://host:port/prefix` → ("host:port", "/prefix"); the AdminServer's command path is
/// appended after the prefix.
fn split_http_url(url: &str) -> Option<(String, String)> {
    let rest = url.trim().strip_prefix("http://")?;
    let (host_port, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if host_port.is_empty() {
        return None;
    }
    let host_port = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host_port.to_string()
    } else {
        format!("{host_port}:80")
    };
    Some((host_port, prefix.to_string()))
}

async fn exchange(
    addr: &str,
    request: &[u8],
    deadline: Instant,
    timeout: Duration,
    cap: usize,
) -> Result<Vec<u8>, TransportError> {
    let stream = connect(addr, deadline, timeout).await?;
    talk(stream, addr, request, deadline, timeout, cap).await
}

fn timed_out(addr: &str, timeout: Duration) -> TransportError {
    TransportError::Timeout {
        addr: addr.to_string(),
        ms: timeout.as_millis(),
    }
}

fn io_error(addr: &str, e: std::io::Error) -> TransportError {
    if e.kind() == ErrorKind::ConnectionRefused {
        TransportError::Refused(addr.to_string())
    } else {
        TransportError::Io {
            addr: addr.to_string(),
            message: e.to_string(),
        }
    }
}

async fn connect(
    addr: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream, TransportError> {
    let targets: Vec<std::net::SocketAddr> = timeout_at(deadline, tokio::net::lookup_host(addr))
        .await
        .map_err(|_| timed_out(addr, timeout))?
        .map_err(|e| TransportError::Unresolved {
            addr: addr.to_string(),
            message: e.to_string(),
        })?
        .collect();
    let stream = timeout_at(deadline, TcpStream::connect(&targets[..]))
        .await
        .map_err(|_| timed_out(addr, timeout))?
        .map_err(|e| io_error(addr, e))?;
    stream.set_nodelay(true).ok();
    Ok(stream)
}

/// How much room a read gets at a time.
const READ_STEP: usize = 16 * 1024;

/// Writes the request and reads until the server closes, within the deadline and the cap.
async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    addr: &str,
    request: &[u8],
    deadline: Instant,
    timeout: Duration,
    cap: usize,
) -> Result<Vec<u8>, TransportError> {
    timeout_at(deadline, stream.write_all(request))
        .await
        .map_err(|_| timed_out(addr, timeout))?
        .map_err(|e| io_error(addr, e))?;
    // Read straight into the reply, grown in steps that fit a full `mntr` (~18 KB on 3.8)
    // in one or two reads and no copy through a second buffer.
    let mut out = Vec::with_capacity(READ_STEP);
    loop {
        if out.capacity() - out.len() < READ_STEP / 4 {
            out.reserve(READ_STEP);
        }
        let n = match timeout_at(deadline, stream.read_buf(&mut out)).await {
            Err(_) => return Err(timed_out(addr, timeout)),
            Ok(Ok(n)) => n,
            // A reset after a complete reply is how some servers close, and a TLS peer may
            // close without a close_notify: keep what arrived.
            Ok(Err(e))
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof
                ) && !out.is_empty() =>
            {
                break
            }
            Ok(Err(e)) => return Err(io_error(addr, e)),
        };
        if n == 0 {
            break;
        }
        if out.len() > cap {
            return Err(TransportError::TooLarge {
                addr: addr.to_string(),
                cap,
            });
        }
    }
    Ok(out)
}

/// A short, printable excerpt of a reply for error messages.
pub fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_default).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_admin_urls() {
        assert_eq!(
            split_http_url("http://127.0.0.1:8080"),
            Some(("127.0.0.1:8080".into(), "".into()))
        );
        assert_eq!(
            split_http_url("http://zk1:9090/zk/"),
            Some(("zk1:9090".into(), "/zk".into()))
        );
        assert_eq!(
            split_http_url("http://zk1"),
            Some(("zk1:80".into(), "".into()))
        );
        assert_eq!(split_http_url("https://zk1:8080"), None);
        assert_eq!(split_http_url("http://"), None);
    }
}
