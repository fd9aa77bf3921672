//! Plain-text rendering of plans and quorum previews, for `plan`/`apply` and the wizard.

use super::{Plan, Preview, Severity, Step};
use std::collections::BTreeSet;
use std::fmt::Write;

fn ids(set: &BTreeSet<u64>) -> String {
    if set.is_empty() {
        "-".into()
    } else {
        set.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The same words as the warnings use ("no failure", "1 failure"), so no line of a preview
/// reads as another figure than its neighbours.
fn tol(t: Option<usize>) -> String {
    match t {
        None => "NO QUORUM".into(),
        t => super::preview::failures(t),
    }
}

/// What a step does, in one line.
pub fn step_title(step: &Step) -> String {
    let mut parts: Vec<String> = step
        .joining
        .iter()
        .map(|s| {
            let verb = if step.before.servers.contains_key(&s.id) {
                "change"
            } else {
                "add"
            };
            format!("{verb} {}", s.to_line())
        })
        .collect();
    parts.extend(step.leaving.iter().map(|id| format!("remove server {id}")));
    parts.join("; ")
}

/// The preview lines: before → after, quorum, tolerance, who forms the quorum, warnings.
pub fn preview_lines(p: &Preview) -> Vec<(Severity, String)> {
    let mut out = vec![
        (
            Severity::Info,
            format!(
                "voters     {} → {}    observers {} → {}",
                ids(&p.voters_before),
                ids(&p.voters_after),
                ids(&p.observers_before),
                ids(&p.observers_after)
            ),
        ),
        (
            Severity::Info,
            format!(
                "quorum     {} of {} → {} of {}    live synced voters {} → {}",
                p.quorum_before,
                p.voters_before.len(),
                p.quorum_after,
                p.voters_after.len(),
                ids(&p.live_voters_before),
                ids(&p.live_voters_after)
            ),
        ),
        (
            Severity::Info,
            format!(
                "tolerates  {} → {} (further failures, with the members live now)",
                tol(p.tolerance_before),
                tol(p.tolerance_after)
            ),
        ),
        (
            Severity::Info,
            if p.quorum_formers.is_empty() {
                "quorum     NO live majority of the new voters".into()
            } else {
                format!(
                    "quorum formed by {} (any {} of them)",
                    ids(&p.quorum_formers),
                    p.quorum_after
                )
            },
        ),
    ];
    for w in &p.warnings {
        out.push((w.severity, w.text.clone()));
    }
    out
}

fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Info => "  ",
        Severity::Warn => "! ",
        Severity::Blocking => "✗ ",
    }
}

pub fn plan_text(plan: &Plan) -> String {
    let mut s = String::new();
    let before = plan.steps.first().map(|st| st.before.voter_ids().len());
    let after = plan.goal_config.voter_ids().len();
    let _ = writeln!(
        s,
        "plan: {} step{}{}  — {}",
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        before.map_or(String::new(), |b| format!(", {b} → {after} voters")),
        if plan.safe { "SAFE" } else { "UNSAFE" }
    );
    if let Some(why) = &plan.blocked {
        let _ = writeln!(s, "✗ {why}");
    }
    for (i, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(
            s,
            "\nstep {}/{}: {}{}",
            i + 1,
            plan.steps.len(),
            step_title(step),
            if step.preview.safe { "" } else { "   [UNSAFE]" }
        );
        for (sev, line) in preview_lines(&step.preview) {
            let _ = writeln!(s, "  {}{line}", mark(sev));
        }
    }
    s
}
