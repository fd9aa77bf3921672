//! What the console does after each batch besides drawing: runs `[[notify]]` commands for the
//! model's new events, and records the figures the incident report needs. Neither blocks the
//! event loop: commands run in one worker task per rule (bounded queue, each run with its
//! deadline), figure lines are appended on the blocking pool.

use crate::app::{Msg, State};
use crate::config::notify::NotifyRule;
use crate::config::Level;
use crate::host::runner::{run, RunError};
use crate::incident::figures::EVERY;
use crate::incident::figures_file;
use crate::notify::{Dispatch, Payload, Watch};
use std::time::{Instant, SystemTime};
use tokio::sync::mpsc;

/// Runs waiting per rule; beyond it a run is dropped (and said), never queued without bound.
const QUEUE: usize = 4;
/// The longest stderr line quoted in a failure event.
const QUOTE: usize = 200;

#[derive(Default)]
pub struct Watchers {
    notifier: Option<Notifier>,
    recorder: Recorder,
}

impl Watchers {
    /// Called after every batch of messages (ticks included, so held notices go out).
    pub fn after_batch(&mut self, state: &State, tx: &mpsc::UnboundedSender<Msg>) {
        let n = self
            .notifier
            .get_or_insert_with(|| Notifier::new(state, tx.clone()));
        n.observe(state);
        self.recorder.observe(state);
    }
}

struct Job {
    stdin: Vec<u8>,
    at: SystemTime,
}

struct Notifier {
    watch: Watch,
    /// One worker per rule, in the rules' order.
    workers: Vec<mpsc::Sender<Job>>,
    tx: mpsc::UnboundedSender<Msg>,
    gen: u64,
}

/// A command's program, for events and logs: its arguments may carry a token.
fn program(rule: &NotifyRule) -> String {
    rule.argv()
        .ok()
        .and_then(|a| a.first().cloned())
        .unwrap_or_else(|| rule.label())
}

impl Notifier {
    fn new(state: &State, tx: mpsc::UnboundedSender<Msg>) -> Notifier {
        let rules = state.config.notify_rules(&state.ensemble);
        let workers = rules
            .iter()
            .map(|r| spawn_worker(r.clone(), tx.clone(), state.generation))
            .collect();
        Notifier {
            watch: Watch::new(rules, Instant::now(), state.config.refresh()),
            workers,
            tx,
            gen: state.generation,
        }
    }

    fn observe(&mut self, state: &State) {
        if self.watch.rules.is_empty() {
            return;
        }
        let out = self.watch.observe(state, Instant::now());
        if out.armed_now {
            let rules: Vec<String> = self
                .watch
                .rules
                .iter()
                .map(|r| {
                    let on: Vec<&str> = r.on.iter().map(|o| o.key()).collect();
                    format!(
                        "{} on {} (at most every {} s)",
                        program(r),
                        on.join(", "),
                        r.min_interval_s
                    )
                })
                .collect();
            tracing::info!(
                baseline_notices = self.watch.baseline_notices,
                "notifications armed"
            );
            self.say(
                Level::Ok,
                format!("notifications armed: {}", rules.join("; ")),
            );
        }
        for n in &out.held {
            tracing::info!(event = %n.text, "notification held by min_interval_s");
        }
        for d in out.dispatches {
            self.dispatch(state, d);
        }
    }

    fn dispatch(&mut self, state: &State, d: Dispatch) {
        let Some(rule) = self.watch.rules.get(d.rule) else {
            return;
        };
        let stdin = Payload {
            ensemble: &state.ensemble,
            notice: &d.notice,
            leader: state.health.leader,
            has_quorum: state.health.has_quorum,
            suppressed: d.suppressed,
            suppressed_events: &d.suppressed_events,
            rule: &rule.command,
        }
        .to_json_line();
        let job = Job {
            stdin,
            at: state.now,
        };
        tracing::info!(program = %program(rule), event = %d.notice.text, suppressed = d.suppressed, "notify");
        if self.workers[d.rule].try_send(job).is_err() {
            let text = format!(
                "notify {}: dropped \"{}\" ({QUEUE} runs already waiting)",
                program(rule),
                d.notice.text
            );
            tracing::warn!("{text}");
            self.say(Level::Warn, text);
        }
    }

    fn say(&self, level: Level, text: String) {
        let _ = self.tx.send(Msg::Session {
            gen: self.gen,
            at: SystemTime::now(),
            level,
            text,
        });
    }
}

/// Runs one rule's command for each job, in order, each with its deadline; a failure is an
/// event naming the program and the reason.
fn spawn_worker(rule: NotifyRule, tx: mpsc::UnboundedSender<Msg>, gen: u64) -> mpsc::Sender<Job> {
    let (jtx, mut jrx) = mpsc::channel::<Job>(QUEUE);
    tokio::spawn(async move {
        while let Some(job) = jrx.recv().await {
            let prog = program(&rule);
            let argv = match rule.argv() {
                Ok(a) => a,
                Err(e) => {
                    report_failure(&tx, gen, &prog, &e);
                    continue;
                }
            };
            match run(&argv, Some(&job.stdin), rule.timeout()).await {
                Ok(o) => {
                    tracing::info!(program = %prog, elapsed_ms = o.elapsed.as_millis() as u64, queued_at = %crate::timefmt::rfc3339(job.at), "notify command done")
                }
                Err(e) => report_failure(&tx, gen, &prog, &reason(&e)),
            }
        }
    });
    jtx
}

fn report_failure(tx: &mpsc::UnboundedSender<Msg>, gen: u64, prog: &str, why: &str) {
    let text = format!("notify {prog} failed: {why}");
    tracing::warn!("{text}");
    let _ = tx.send(Msg::Session {
        gen,
        at: SystemTime::now(),
        level: Level::Warn,
        text,
    });
}

/// Why a run failed, in one line, without the arguments (they may hold a token).
fn reason(e: &RunError) -> String {
    let mut s = match e {
        RunError::Spawn { source, .. } => format!("could not be started: {source}"),
        RunError::Timeout(_, t) => format!("ran over its {} s timeout and was killed", t.as_secs()),
        RunError::Failed(o) => o.summary(),
    };
    if s.chars().count() > QUOTE {
        s = s.chars().take(QUOTE).collect::<String>() + "…";
    }
    s
}

/// Records one figure line every `EVERY` once the first round is in, and one more (at most
/// every `SOON`) when events happen, so the report's worst moment is the incident's.
#[derive(Default)]
struct Recorder {
    last: Option<Instant>,
    /// The model's event count at the last line.
    events: u64,
    writing: Option<tokio::task::JoinHandle<()>>,
}

/// The least time between two lines recorded for events.
const SOON: std::time::Duration = std::time::Duration::from_secs(1);

impl Recorder {
    fn observe(&mut self, state: &State) {
        let since = self.last.map(|t| t.elapsed());
        let news = state.events.pushed() != self.events;
        let due = since.is_none_or(|d| d >= EVERY || (news && d >= SOON));
        if !due || !state.baseline || state.members.is_empty() {
            return;
        }
        // A slow disk: skip a line rather than queue writes.
        if self.writing.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let Some(path) = figures_file::default_path(&state.seeds) else {
            return;
        };
        self.last = Some(Instant::now());
        self.events = state.events.pushed();
        let line = state.figure_line();
        self.writing = Some(tokio::task::spawn_blocking(move || {
            if let Err(e) = figures_file::append(&path, &line) {
                tracing::warn!(path = %path.display(), error = %e, "could not keep the figures");
            }
        }));
    }
}
