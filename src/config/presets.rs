//! Threshold presets: operators' published practice as data (`config/presets/*.toml`, each
//! naming its source), compiled in. A preset goes under the user's `[thresholds]`.

use super::thresholds::Layer;

/// Name → the preset file's text.
pub const PRESETS: [(&str, &str); 1] = [(
    "zookeeper-monitoring",
    include_str!("../../config/presets/zookeeper-monitoring.toml"),
)];

pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The preset's thresholds, or why it cannot be used.
pub fn preset(name: &str) -> Result<Layer, String> {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        format!(
            "no threshold preset named {name:?}; known: {}",
            names().join(", ")
        )
    })?;
    toml::from_str(text).map_err(|e| format!("preset {name:?} is broken: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Metric, Thresholds};

    #[test]
    fn every_shipped_preset_parses_names_its_source_and_orders_its_levels() {
        for (name, text) in PRESETS {
            let layer = preset(name).unwrap();
            assert!(!layer.is_empty(), "{name}");
            assert!(text.contains("Sources:"), "{name} must name its source");
            Thresholds::default()
                .layered(Some(&layer))
                .validate()
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
        assert!(preset("nope").unwrap_err().contains("zookeeper-monitoring"));
    }

    #[test]
    fn the_monitoring_guide_figures_are_the_critical_levels() {
        let t = Thresholds::default().layered(Some(&preset("zookeeper-monitoring").unwrap()));
        let crit = |m: Metric| t.get(m).and_then(|x| x.critical);
        assert_eq!(crit(Metric::LatencyAvgMs), Some(100.0));
        assert_eq!(crit(Metric::FsyncMsPerSec), Some(100.0));
        assert_eq!(crit(Metric::OpenFds), Some(301.0));
        assert_eq!(crit(Metric::FdPercent), Some(85.0));
        assert_eq!(crit(Metric::Watches), Some(10_001.0));
        assert_eq!(crit(Metric::Znodes), Some(1_000_001.0));
        assert_eq!(crit(Metric::DataSizeMb), Some(1024.0));
        assert_eq!(crit(Metric::Outstanding), Some(11.0));
        assert_eq!(crit(Metric::PendingSyncs), Some(11.0));
        let warn = |m: Metric| t.get(m).and_then(|x| x.warn);
        assert_eq!(warn(Metric::Elections5m), Some(1.0));
        assert_eq!(warn(Metric::FollowersUnsynced), Some(1.0));
        // What the preset does not name keeps the compiled default.
        assert_eq!(crit(Metric::ZxidLag), Some(10_000.0));
    }
}
