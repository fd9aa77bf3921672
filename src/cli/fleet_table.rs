//! The fleet as a table for people: one line per ensemble, worst first, and its first problem.
//! At 80 columns (or any width under the wide table's) the problem goes on a line of its own
//! under its ensemble, wrapped, so every line fits.

use super::status_narrow::{wrap, WIDE_TABLE_COLUMNS};
use zkconsole::fleet::{FleetEntry, FleetReport};

/// STATE 11, LEADER 6, LIVE 7, TOL 3, CONFIG 11, PROBE 8, and the six gaps between them.
const FIXED: usize = 11 + 6 + 7 + 3 + 11 + 8 + 6;
const MIN_NAME: usize = 12;
/// Names longer than this are cut in the wide table too.
const MAX_NAME: usize = 40;

/// `width`: the terminal's (or `COLUMNS`), `None` for a pipe (the wide layout).
pub fn to_text(r: &FleetReport, width: Option<usize>) -> String {
    let narrow = width.filter(|&w| w < WIDE_TABLE_COLUMNS);
    let longest = r
        .ensembles
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(MIN_NAME, MAX_NAME);
    let name_w = match narrow {
        Some(w) => longest.min(w.saturating_sub(FIXED + 1).max(MIN_NAME)),
        None => longest,
    };
    let mut out = vec![summary(r), String::new()];
    out.push(
        row(
            [
                "STATE", "ENSEMBLE", "LEADER", "LIVE", "TOL", "CONFIG", "PROBE",
            ],
            name_w,
        ) + if narrow.is_some() { "" } else { "  PROBLEM" },
    );
    for e in &r.ensembles {
        let line = row_of(e, name_w);
        let problem = problem_of(e);
        match (narrow, problem) {
            (None, Some(p)) => out.push(format!("{line}  {p}")),
            (Some(w), Some(p)) => {
                out.push(line);
                out.extend(wrap(&p, w.max(60), "    "));
            }
            (_, None) => out.push(line),
        }
    }
    out.push(String::new());
    out.join("\n")
}

/// `fleet  state CRITICAL  3 ensembles: 1 critical, 2 ok`.
fn summary(r: &FleetReport) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for e in &r.ensembles {
        match counts.iter_mut().find(|(s, _)| *s == e.report.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.report.state, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    format!(
        "fleet  state {}  {} ensemble{}: {}",
        r.state.to_uppercase(),
        r.ensembles.len(),
        if r.ensembles.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

fn row_of(e: &FleetEntry, name_w: usize) -> String {
    let r = &e.report;
    let q = &r.quorum;
    let live = format!("{}/{}", q.live_voters, q.voters);
    let tol = if q.has_quorum {
        q.tolerance.to_string()
    } else {
        "-".into()
    };
    row(
        [
            &r.state.to_uppercase(),
            &cut(&e.name, name_w),
            &r.leader.map_or("-".into(), |l| l.to_string()),
            &live,
            &tol,
            r.config_version.as_deref().unwrap_or("-"),
            &format!("{:.0}ms", r.elapsed_ms),
        ],
        name_w,
    )
}

/// The first problem, with how many more there are (`status --ensemble NAME` lists them).
fn problem_of(e: &FleetEntry) -> Option<String> {
    let p = &e.report.problems;
    let first = p.first()?;
    Some(match p.len() {
        1 => first.clone(),
        n => format!("{first} (+{} more)", n - 1),
    })
}

fn row(c: [&str; 7], name_w: usize) -> String {
    format!(
        "{:<11} {:<name_w$} {:>6} {:>7} {:>3} {:>11} {:>8}",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    )
}

/// At most `max` characters, an ellipsis marking a cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkconsole::ensemble::observation::{ConfigSource, Observation};
    use zkconsole::fleet::FleetEntry;
    use zkconsole::report::StatusReport;

    fn entry(name: &str, problems: &[&str]) -> FleetEntry {
        let obs = Observation {
            config: None,
            config_source: ConfigSource::None,
            members: Vec::new(),
            elapsed: std::time::Duration::from_millis(1234),
        };
        let health = zkconsole::health::summarize(None, &[], &Default::default());
        let mut report = StatusReport::new(name, &obs, &health);
        report.problems = problems.iter().map(|s| s.to_string()).collect();
        FleetEntry {
            name: name.into(),
            report,
        }
    }

    #[test]
    fn every_line_fits_80_columns_and_keeps_the_problem() {
        let long = "kafka-prod-eu-west-1-zookeeper-cluster-number-7".to_string();
        let problem = "member 3 (127.0.0.1:2181) is down: connection refused ".repeat(3);
        let r = FleetReport::new(vec![entry(&long, &[&problem, "b"]), entry("b", &[])]);
        let text = to_text(&r, Some(80));
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{} > 80: {line}", line.len());
        }
        assert!(text.contains("connection refused"), "{text}");
        assert!(text.contains("(+1 more)"), "{text}");
        assert!(text.contains("kafka-prod-eu"), "{text}");
    }

    #[test]
    fn a_pipe_gets_one_line_per_ensemble() {
        let r = FleetReport::new(vec![entry("a", &["down"]), entry("b", &[])]);
        let text = to_text(&r, None);
        assert!(text.starts_with("fleet  state UNREACHABLE  2 ensembles: 2 unreachable"));
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("UNREACHABLE"))
                .count(),
            2
        );
        assert!(text
            .lines()
            .any(|l| l.starts_with("UNREACHABLE") && l.ends_with("down")));
    }
}
