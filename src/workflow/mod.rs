//! Membership changes: the pure planner and quorum preview (no I/O), and what renders and
//! executes their steps.

pub mod executor;
pub mod joiner_cfg;
pub mod planner;
pub mod preview;
pub mod quorum_views;
pub mod recover;
pub mod render;
pub mod roll;
pub mod static_plan;
pub mod zoo_cfg;

pub use planner::*;
pub use preview::*;
