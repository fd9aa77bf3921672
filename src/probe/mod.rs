//! Probing members over four-letter words and the AdminServer.

pub mod admin_clients;
pub mod clients_source;
pub mod cons;
pub mod member;
pub mod member_conf;
pub mod parse;
pub mod resets;
pub mod round;
pub mod transport;
pub mod watches;

// The data the probes produce lives in the domain layer; these names keep the probes'
// own paths short.
pub use crate::ensemble::member as types;
pub use crate::ensemble::tls as secure;

/// A recorded reply under `tests/fixtures/`, for the parsers' unit tests.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
