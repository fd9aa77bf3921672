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
