//! Membership: server specs, dynamic config text, quorum math and the health summary.

pub mod clients;
pub mod config;
pub mod consistency;
pub mod member;
mod metric_keys;
pub mod metrics;
pub mod mode;
pub mod observation;
pub mod quorum;
pub mod spec;
pub mod tls;
pub mod versions;

pub use config::{ConfigTextError, EnsembleConfig};
pub use quorum::{quorum_size, tolerance, tolerance_now};
pub use spec::{LearnerType, ServerSpec, SpecError};
