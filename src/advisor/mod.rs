//! The scaling advisor: rules over the load scores and the membership that suggest a change
//! of shape, each with its evidence (which signal, for how long, the numbers). It only
//! suggests; nothing here acts on the ensemble.
//!
//! Sustained rules (high load, low load, an unbalanced member) must hold for a minimum
//! duration before they speak, and once speaking stay until the figure crosses a clear level
//! on the other side (hysteresis), so a load hovering at a level does not make the advice
//! come and go. Structural rules (too few voters, an even count) speak at once.

mod sustained;

use crate::config::AdvisorConfig;
use crate::ensemble::quorum_size;
use serde::Serialize;
use std::time::{Duration, Instant};
use sustained::Sustained;

/// What the advisor reads about one member at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberReading {
    pub id: Option<u64>,
    /// Serving client requests now (leader, follower, observer...).
    pub serving: bool,
    pub load: Option<f64>,
    pub driver: Option<&'static str>,
    pub connections: Option<f64>,
}

/// One reading of the ensemble.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub members: Vec<MemberReading>,
    /// Configured voters and observers (the membership), 0 when unknown.
    pub voters: usize,
    pub observers: usize,
    /// Requests per second over the ensemble, when known: reads scale with observers,
    /// writes do not.
    pub reads_per_s: Option<f64>,
    pub writes_per_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    AddVoters,
    FixEvenVoters,
    AddObserver,
    ConnectionBalance,
    Shrink,
}

/// Why: the signal, how long it held (0 for a structural fact) and the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub signal: String,
    pub held_s: u64,
    /// In JSON an object, in this order: `{"voters": 4, "tolerance": 1, ...}`.
    #[serde(serialize_with = "as_object")]
    pub numbers: Vec<(String, f64)>,
}

fn as_object<S: serde::Serializer>(v: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, x) in v {
        m.serialize_entry(k, x)?;
    }
    m.end()
}

/// One suggestion, as `status --json` prints it in `"advice": [...]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub kind: Kind,
    pub text: String,
    pub evidence: Evidence,
}

impl Advice {
    /// One line: the suggestion and its evidence.
    pub fn line(&self) -> String {
        let nums: Vec<String> = self
            .evidence
            .numbers
            .iter()
            .map(|(k, v)| format!("{k} {}", num(*v)))
            .collect();
        let held = if self.evidence.held_s > 0 {
            format!(" for {}", minutes(self.evidence.held_s))
        } else {
            String::new()
        };
        format!(
            "{} [{}{held}: {}]",
            self.text,
            self.evidence.signal,
            nums.join(", ")
        )
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn minutes(s: u64) -> String {
    if s >= 60 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// The advisor's memory between readings: since when each sustained rule's condition holds.
#[derive(Debug, Clone, Default)]
pub struct Advisor {
    high: Sustained,
    low: Sustained,
    imbalance: Sustained,
}

impl Advisor {
    /// Feeds one reading taken at `at`; returns the advice in force, most urgent first.
    pub fn observe(&mut self, at: Instant, r: &Reading, cfg: &AdvisorConfig) -> Vec<Advice> {
        let mut out = structural(r, cfg);
        let loads: Vec<(Option<u64>, f64)> = r
            .members
            .iter()
            .filter(|m| m.serving)
            .filter_map(|m| Some((m.id, m.load?)))
            .collect();
        let min = loads.iter().map(|(_, l)| *l).fold(f64::INFINITY, f64::min);
        let max = loads.iter().map(|(_, l)| *l).fold(0.0, f64::max);
        let known = !loads.is_empty();
        let mins = |m: u64| Duration::from_secs(m * 60);
        if self.high.step(
            at,
            known && min >= cfg.high_load,
            known && min >= cfg.high_clear,
            mins(cfg.high_minutes),
        ) {
            out.push(add_observer(r, min, self.high.held(at), cfg));
        }
        let target = voters_for(cfg.min_tolerance);
        let large = r.voters > target || r.observers > 0;
        if self.low.step(
            at,
            known && large && max < cfg.low_load,
            known && large && max < cfg.low_clear,
            mins(cfg.low_minutes),
        ) {
            out.push(shrink(r, max, self.low.held(at), cfg));
        }
        let busiest = unbalanced(r, cfg);
        let enter = busiest.is_some_and(|(_, c, median)| c >= cfg.imbalance_factor * median);
        // Clears when the busiest falls below 80 % of the factor.
        let stay = busiest.is_some_and(|(_, c, median)| c >= cfg.imbalance_factor * 0.8 * median);
        if self
            .imbalance
            .step(at, enter, stay, mins(cfg.imbalance_minutes))
        {
            if let Some((id, c, median)) = busiest {
                out.push(balance(id, c, median, self.imbalance.held(at)));
            }
        }
        out.sort_by_key(|a| a.kind);
        out
    }
}

/// The fewest voters that tolerate `t` failures.
fn voters_for(t: usize) -> usize {
    2 * t + 1
}

fn tolerance(voters: usize) -> usize {
    voters.saturating_sub(quorum_size(voters))
}

/// Rules about the membership's shape: no history needed (`status` gives these too).
pub fn structural(r: &Reading, cfg: &AdvisorConfig) -> Vec<Advice> {
    let mut out = Vec::new();
    let v = r.voters;
    if v == 0 {
        return out;
    }
    let tol = tolerance(v);
    let nums = |extra: Vec<(String, f64)>| {
        let mut n = vec![
            ("voters".to_string(), v as f64),
            ("tolerance".to_string(), tol as f64),
            ("min_tolerance".to_string(), cfg.min_tolerance as f64),
        ];
        n.extend(extra);
        n
    };
    if tol < cfg.min_tolerance {
        let want = voters_for(cfg.min_tolerance);
        out.push(Advice {
            kind: Kind::AddVoters,
            text: format!(
                "add {} voter{}: {v} voter{} survive{} {tol} failure{}, the minimum is {} \
                 ({want} voters survive {})",
                want - v,
                if want - v == 1 { "" } else { "s" },
                if v == 1 { "" } else { "s" },
                if v == 1 { "s" } else { "" },
                if tol == 1 { "" } else { "s" },
                cfg.min_tolerance,
                cfg.min_tolerance
            ),
            evidence: Evidence {
                signal: "membership".into(),
                held_s: 0,
                numbers: nums(vec![]),
            },
        });
    } else if v.is_multiple_of(2) {
        // One fewer voter survives as many failures with a smaller quorum; one more
        // survives one failure more. Removing is offered only above the minimum.
        let down_ok = tolerance(v - 1) >= cfg.min_tolerance;
        let text = if down_ok {
            format!(
                "an even number of voters ({v}) survives no more failures than {}: remove one \
                 (same tolerance, smaller quorum) or add one ({} voters survive {})",
                v - 1,
                v + 1,
                tolerance(v + 1)
            )
        } else {
            format!(
                "an even number of voters ({v}) survives no more failures than {}: add one \
                 ({} voters survive {})",
                v - 1,
                v + 1,
                tolerance(v + 1)
            )
        };
        out.push(Advice {
            kind: Kind::FixEvenVoters,
            text,
            evidence: Evidence {
                signal: "membership".into(),
                held_s: 0,
                numbers: nums(vec![]),
            },
        });
    }
    out
}

fn add_observer(r: &Reading, min: f64, held: Duration, cfg: &AdvisorConfig) -> Advice {
    let drivers: Vec<&str> = {
        let mut d: Vec<&str> = r.members.iter().filter_map(|m| m.driver).collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let writes_heavy = matches!((r.reads_per_s, r.writes_per_s), (Some(rd), Some(w)) if w > rd);
    let caveat = if writes_heavy {
        "; but writes outnumber reads here, and an observer does not scale writes (every \
         write still goes through the leader and a quorum of voters)"
    } else {
        " (reads scale with observers; writes do not)"
    };
    let mut numbers = vec![
        ("lowest_member_load".to_string(), round2(min)),
        ("high_load".to_string(), cfg.high_load),
    ];
    numbers.extend(
        r.reads_per_s
            .map(|v| ("reads_per_s".to_string(), round2(v))),
    );
    numbers.extend(
        r.writes_per_s
            .map(|v| ("writes_per_s".to_string(), round2(v))),
    );
    Advice {
        kind: Kind::AddObserver,
        text: format!(
            "every member has been at load {} or above for {}: add an observer{caveat}",
            num(cfg.high_load),
            minutes(held.as_secs())
        ),
        evidence: Evidence {
            signal: format!("load ({})", drivers.join(", ")),
            held_s: held.as_secs(),
            numbers,
        },
    }
}

fn shrink(r: &Reading, max: f64, held: Duration, cfg: &AdvisorConfig) -> Advice {
    let target = voters_for(cfg.min_tolerance);
    let text = if r.observers > 0 {
        format!(
            "load has stayed below {} on every member for {}: the {} observer{} could go",
            num(cfg.low_load),
            minutes(held.as_secs()),
            r.observers,
            if r.observers == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "load has stayed below {} on every member for {}: {} voters could become {target} \
             (still surviving {} failure{}, the minimum)",
            num(cfg.low_load),
            minutes(held.as_secs()),
            r.voters,
            cfg.min_tolerance,
            if cfg.min_tolerance == 1 { "" } else { "s" }
        )
    };
    Advice {
        kind: Kind::Shrink,
        text,
        evidence: Evidence {
            signal: "load".into(),
            held_s: held.as_secs(),
            numbers: vec![
                ("highest_member_load".to_string(), round2(max)),
                ("low_load".to_string(), cfg.low_load),
                ("voters".to_string(), r.voters as f64),
                ("observers".to_string(), r.observers as f64),
                ("min_voters".to_string(), target as f64),
            ],
        },
    }
}

/// The member with the most connections, its count and the median of the others', when it
/// holds enough to matter.
fn unbalanced(r: &Reading, cfg: &AdvisorConfig) -> Option<(Option<u64>, f64, f64)> {
    let mut conns: Vec<(Option<u64>, f64)> = r
        .members
        .iter()
        .filter(|m| m.serving)
        .filter_map(|m| Some((m.id, m.connections?)))
        .collect();
    if conns.len() < 2 {
        return None;
    }
    conns.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (id, top) = conns[0];
    let mut rest: Vec<f64> = conns[1..].iter().map(|(_, c)| *c).collect();
    rest.sort_by(f64::total_cmp);
    let median = rest[rest.len() / 2].max(1.0);
    (top >= cfg.imbalance_min_connections).then_some((id, top, median))
}

fn balance(id: Option<u64>, c: f64, median: f64, held: Duration) -> Advice {
    let who = id.map_or("one member".to_string(), |i| format!("member {i}"));
    Advice {
        kind: Kind::ConnectionBalance,
        text: format!(
            "{who} holds {} connections, {:.1}× the others' median ({}), for {}: check how \
             clients spread (connect strings listing one host, clients that never \
             rebalance); more servers would not help; see clients (c)",
            num(c),
            c / median,
            num(median),
            minutes(held.as_secs())
        ),
        evidence: Evidence {
            signal: "connections".into(),
            held_s: held.as_secs(),
            numbers: vec![
                ("member".to_string(), id.map_or(-1.0, |i| i as f64)),
                ("connections".to_string(), c),
                ("others_median".to_string(), median),
            ],
        },
    }
}

/// The clients view's breach (sessions counted in each member's `cons`) as advice, for when
/// the sustained rule above has not fired (yet): it names the busiest member and the view.
pub fn clients_balance(member: &str, sessions: usize, fair_share: f64, imbalance: f64) -> Advice {
    Advice {
        kind: Kind::ConnectionBalance,
        text: format!(
            "{member} holds {sessions} client sessions, {imbalance:.1}× its fair share ({}): \
             check how clients spread; see clients (c)",
            num(round2(fair_share))
        ),
        evidence: Evidence {
            signal: "cons sessions".into(),
            held_s: 0,
            numbers: vec![
                ("sessions".to_string(), sessions as f64),
                ("fair_share".to_string(), round2(fair_share)),
                ("imbalance".to_string(), round2(imbalance)),
            ],
        },
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests;
