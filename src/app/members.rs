//! One row of the members table: the latest snapshot plus what the console derives from the
//! stream of them (request rate, when it last answered, what changed, breach levels).

use crate::alerts::hysteresis::{BreachTracker, LevelChange};
use crate::alerts::signal_value;
use crate::config::{Level, Metric, Thresholds};
use crate::ensemble::member::MemberSnapshot;
use crate::ensemble::member::Role;
use crate::history::window::Windows;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::time::SystemTime;

/// Members are known by id once the membership or `conf` told us, by address before that.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberKey {
    Id(u64),
    Address(String),
}

impl MemberKey {
    pub fn of(s: &MemberSnapshot) -> MemberKey {
        match s.id {
            Some(id) => MemberKey::Id(id),
            None => MemberKey::Address(s.address.clone()),
        }
    }

    pub fn label(&self) -> String {
        match self {
            MemberKey::Id(id) => format!("member {id}"),
            MemberKey::Address(a) => a.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MemberView {
    pub snap: MemberSnapshot,
    /// Requests per second from the packets_received delta.
    pub rate: Option<f64>,
    /// When it last answered at all.
    pub last_answer: Option<SystemTime>,
    /// Columns whose value changed with the latest probe.
    pub changed: BTreeSet<&'static str>,
    pub breaches: BreachTracker,
    pub samples: u64,
    /// The last zxid it reported: what it had when it stopped serving matters for recovery.
    pub last_zxid: Option<u64>,
    /// The sandbox paused it (SIGSTOP) at this console's request; cleared when it answers
    /// again. Shown only while it does not answer.
    pub paused: bool,
    /// Its load score after the latest reading (none while it is silent).
    pub load: Option<crate::load::Load>,
}

impl MemberView {
    pub fn new(snap: MemberSnapshot) -> Self {
        Self {
            snap,
            rate: None,
            last_answer: None,
            changed: BTreeSet::new(),
            breaches: BreachTracker::default(),
            samples: 0,
            last_zxid: None,
            paused: false,
            load: None,
        }
    }

    /// The role as shown: a member the sandbox paused says so rather than `unresponsive`.
    pub fn role_label(&self) -> &'static str {
        if self.paused && !self.snap.role.is_alive() {
            "paused"
        } else {
            self.snap.role.as_str()
        }
    }

    pub fn key(&self) -> MemberKey {
        MemberKey::of(&self.snap)
    }

    pub fn absorb(&mut self, snap: MemberSnapshot, rate: Option<f64>, now: SystemTime) {
        let old = &self.snap;
        let mut changed = BTreeSet::new();
        if self.samples > 0 {
            if old.role != snap.role {
                changed.insert("role");
            }
            if old.zxid != snap.zxid {
                changed.insert("zxid");
            }
            for (col, key) in [
                ("connections", "num_alive_connections"),
                ("outstanding", "outstanding_requests"),
                ("znodes", "znode_count"),
                ("watches", "watch_count"),
                ("latency", "avg_latency"),
            ] {
                if old.metrics.get(key) != snap.metrics.get(key) {
                    changed.insert(col);
                }
            }
        }
        if snap.role.is_alive() {
            self.last_answer = Some(now);
            // Two answers in a row: resumed (one answer may have left before the SIGSTOP).
            if old.role.is_alive() {
                self.paused = false;
            }
        }
        if snap.zxid.is_some() {
            self.last_zxid = snap.zxid;
        }
        // A member that stops answering keeps its last figures on screen, marked stale.
        let keep_metrics = !snap.role.is_alive() && !self.snap.metrics.is_empty();
        let mut snap = snap;
        if keep_metrics {
            snap.metrics = std::mem::take(&mut self.snap.metrics);
            snap.zxid = snap.zxid.or(self.snap.zxid);
        }
        self.snap = snap;
        self.rate = if self.snap.role.is_alive() {
            rate
        } else {
            None
        };
        self.changed = changed;
        self.samples += 1;
    }

    /// Feeds the current values to the breach trackers; returns level changes.
    pub fn observe_thresholds(
        &mut self,
        t: &Thresholds,
        leader_zxid: Option<u64>,
        windows: Option<&Windows>,
    ) -> Vec<LevelChange> {
        let alive = self.snap.role.is_alive();
        Metric::ALL
            .iter()
            .filter_map(|&m| {
                match signal_value(&self.snap, windows, m, leader_zxid).filter(|_| alive) {
                    Some(v) => self.breaches.observe(t, m, v),
                    None => self.breaches.clear(m),
                }
            })
            .collect()
    }

    pub fn level(&self, m: Metric) -> Level {
        self.breaches.level(m)
    }

    pub fn worst_level(&self) -> Level {
        Metric::ALL
            .iter()
            .map(|m| self.level(*m))
            .max()
            .unwrap_or(Level::Ok)
    }

    pub fn matches(&self, needle: &str) -> bool {
        let id = self.snap.id.map(|i| i.to_string()).unwrap_or_default();
        id == needle
            || self.snap.address.to_ascii_lowercase().contains(needle)
            || self.snap.role.as_str().contains(needle)
            || self
                .snap
                .error
                .as_deref()
                .is_some_and(|e| e.to_ascii_lowercase().contains(needle))
    }

    /// Transactions behind the leader; unknown (`None`) for a member that does not answer:
    /// the zxid it had when it stopped says nothing about now.
    pub fn lag(&self, leader_zxid: Option<u64>) -> Option<u64> {
        if !self.snap.role.is_alive() {
            return None;
        }
        crate::alerts::zxid_lag(
            self.snap.zxid?,
            leader_zxid?,
            self.snap.role.synced_with_leader(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    Role,
    Requests,
    Latency,
    Outstanding,
    Connections,
    Lag,
    Probe,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        use SortKey::*;
        match self {
            Id => Role,
            Role => Requests,
            Requests => Latency,
            Latency => Outstanding,
            Outstanding => Connections,
            Connections => Lag,
            Lag => Probe,
            Probe => Id,
        }
    }

    pub fn label(self) -> &'static str {
        use SortKey::*;
        match self {
            Id => "id",
            Role => "role",
            Requests => "req/s",
            Latency => "latency",
            Outstanding => "outstanding",
            Connections => "connections",
            Lag => "lag",
            Probe => "probe",
        }
    }

    /// Figures sort worst (highest) first, members without the figure last; `S` reverses.
    pub fn compare(self, a: &MemberView, b: &MemberView, leader_zxid: Option<u64>) -> Ordering {
        let f = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let by_id = || a.key().cmp(&b.key());
        let o = match self {
            SortKey::Id => Ordering::Equal,
            SortKey::Role => role_rank(a.snap.role).cmp(&role_rank(b.snap.role)),
            SortKey::Requests => f(a.rate, b.rate),
            SortKey::Latency => f(
                a.snap.metric_f64("avg_latency"),
                b.snap.metric_f64("avg_latency"),
            ),
            SortKey::Outstanding => f(
                a.snap.metric_f64("outstanding_requests"),
                b.snap.metric_f64("outstanding_requests"),
            ),
            SortKey::Connections => f(
                a.snap.metric_f64("num_alive_connections"),
                b.snap.metric_f64("num_alive_connections"),
            ),
            SortKey::Lag => f(
                a.lag(leader_zxid).map(|v| v as f64),
                b.lag(leader_zxid).map(|v| v as f64),
            ),
            SortKey::Probe => f(
                a.snap.role.is_alive().then_some(a.snap.probe_ms),
                b.snap.role.is_alive().then_some(b.snap.probe_ms),
            ),
        };
        o.then_with(by_id)
    }
}

/// Leader first, troubled members last.
fn role_rank(r: Role) -> u8 {
    match r {
        Role::Leader => 0,
        Role::Follower => 1,
        Role::Observer => 2,
        Role::Standalone => 3,
        Role::NonVoting => 4,
        Role::ReadOnly => 5,
        Role::NotServing => 6,
        Role::Unknown => 7,
        Role::Unresponsive => 8,
        Role::Error => 9,
        Role::Down => 10,
    }
}
