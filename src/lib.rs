//! zkconsole: a terminal console for Apache ZooKeeper ensembles.
//!
//! Everything outside `ui` and `tui` is terminal-free so `status`, `plan` and `scan` reuse it.

pub mod advisor;
pub mod alerts;
pub mod app;
pub mod audit;
pub mod bench;
pub mod config;
pub mod ensemble;
pub mod events_file;
pub mod fleet;
pub mod health;
pub mod history;
pub mod host;
pub mod incident;
pub mod load;
pub mod logging;
pub mod notify;
pub mod probe;
pub mod remembered;
pub mod report;
pub mod rolling;
pub mod sandbox;
pub mod timefmt;
pub mod tree;
pub mod tui;
pub mod ui;
pub mod workflow;
pub mod zk;
