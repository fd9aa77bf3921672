//! Membership: server specs, dynamic config text, quorum math and the health summary.

pub mod config;
pub mod quorum;
pub mod spec;

pub use config::{ConfigTextError, EnsembleConfig};
pub use quorum::{quorum_size, tolerance, tolerance_now};
pub use spec::{LearnerType, ServerSpec, SpecError};
pub mod health;
