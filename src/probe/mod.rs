//! Probing members over four-letter words and the AdminServer.

pub mod member;
pub mod parse;
pub mod round;
pub mod secure;
pub mod transport;
pub mod types;
