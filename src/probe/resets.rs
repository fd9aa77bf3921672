//! Counter resets over four-letter words: `crst` (every connection's counters) and `srst`
//! (the server's latency and packet counters). They change server state: callers preview,
//! confirm and audit them (see `tui::clients`); this only sends one and reads the answer.

use super::parse::{check_bytes, refusal, ParseError, Reply};
use std::time::Duration;

/// What the server prints when the reset is done (`CnxnStatResetCommand`,
/// `StatResetCommand`).
fn done_text(command: &str) -> Option<&'static str> {
    match command {
        "crst" => Some("Connection stats reset."),
        "srst" => Some("Server stats reset."),
        _ => None,
    }
}

pub fn parse_reset(command: &str, text: &str) -> Result<Reply<String>, ParseError> {
    check_bytes(command, text)?;
    if let Some(r) = refusal(text) {
        return Ok(r);
    }
    let want = done_text(command).ok_or_else(|| ParseError {
        message: format!("{command} is not a counter reset"),
        not_zookeeper: false,
    })?;
    if text.trim() == want {
        Ok(Reply::Ok(want.to_string()))
    } else {
        Err(ParseError::unexpected(&format!("\"{want}\""), text))
    }
}

/// Sends `crst` or `srst` to `address` within `timeout`; the server's own words on success.
pub async fn send_reset(
    address: &str,
    tls: Option<&super::secure::TlsClient>,
    command: &str,
    timeout: Duration,
) -> Result<String, String> {
    const CAP: usize = 4 << 10;
    let budget = super::transport::Budget::starting_now(timeout);
    let text = super::transport::four_letter_word_within(address, tls, command, budget, CAP)
        .await
        .map_err(|e| e.to_string())?;
    match parse_reset(command, &text).map_err(|e| e.message)? {
        Reply::Ok(said) => Ok(said),
        Reply::NotServing => Err(format!("{address} is not serving requests")),
        Reply::NotWhitelisted { command } => Err(format!(
            "{address} refuses {command}: it is not in 4lw.commands.whitelist"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_words_are_required() {
        assert_eq!(
            parse_reset("srst", "Server stats reset.\n").unwrap(),
            Reply::Ok("Server stats reset.".into())
        );
        assert_eq!(
            parse_reset("crst", "Connection stats reset.\n").unwrap(),
            Reply::Ok("Connection stats reset.".into())
        );
        assert!(parse_reset("srst", "Connection stats reset.\n").is_err());
        assert!(parse_reset("srst", "imok").is_err());
        assert_eq!(
            parse_reset(
                "srst",
                "srst is not executed because it is not in the whitelist.\n"
            )
            .unwrap(),
            Reply::NotWhitelisted {
                command: "srst".into()
            }
        );
    }
}
