//! The znode tree: node facts and data decoding for the browser, and subtree scans.

pub mod node;
pub mod scan;
