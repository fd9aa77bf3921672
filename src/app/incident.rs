//! The console's part of the incident report: `:report [SINCE]` asks for one, and the figures
//! the report needs are read from the model as one line (recorded every 10 s by the console).

use super::{Effect, State};
use crate::config::Level;
use crate::history::MemberHistory;
use crate::incident::{FigureLine, MemberInput};
use std::time::SystemTime;

/// `:report [SINCE]`: what the console's worker needs to write the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    pub from: SystemTime,
    pub to: SystemTime,
    /// The ensemble as it is now: the report's "state after".
    pub now: FigureLine,
}

impl State {
    /// The ensemble's figures now, as the incident report keeps them.
    pub fn figure_line(&self) -> FigureLine {
        let windows: Vec<_> = self
            .members
            .keys()
            .map(|k| self.history.get(k).map(MemberHistory::windows))
            .collect();
        let inputs: Vec<MemberInput> = self
            .members
            .values()
            .zip(&windows)
            .map(|(m, w)| MemberInput {
                snap: &m.snap,
                windows: w.as_ref(),
                rate: m.rate,
                load: m.load.as_ref(),
                role: m.role_label(),
            })
            .collect();
        FigureLine::of(self.now, &self.health, &inputs)
    }

    /// `:report` with an optional window start (`30m`, `2h`, an RFC 3339 time).
    pub(super) fn report_command(&mut self, since: Option<&str>) -> Vec<Effect> {
        let from = match since {
            None => Ok(self
                .now
                .checked_sub(crate::incident::DEFAULT_SINCE)
                .unwrap_or(SystemTime::UNIX_EPOCH)),
            Some(s) => crate::incident::parse_since(s, self.now),
        };
        match from {
            Ok(from) => {
                self.flash = Some((Level::Ok, "writing the incident report…".into()));
                vec![Effect::Report(ReportRequest {
                    from,
                    to: self.now,
                    now: self.figure_line(),
                })]
            }
            Err(e) => {
                // The console's words: `:report`, not the command line's `--since`.
                self.flash = Some((Level::Warn, e.replacen("--since", ":report", 1)));
                vec![]
            }
        }
    }

    /// The report was written (where), or why not.
    pub(super) fn on_report(&mut self, r: Result<String, String>) -> Vec<Effect> {
        let (level, text) = match r {
            Ok(path) => (Level::Ok, format!("incident report written to {path}")),
            Err(e) => (Level::Warn, format!("incident report not written: {e}")),
        };
        self.events.push(self.now, level, text.clone());
        self.flash = Some((level, text));
        self.dirty = true;
        vec![]
    }
}
