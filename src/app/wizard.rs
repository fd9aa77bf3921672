//! The guided workflows as a state machine: expand (add members), shrink (remove members) and
//! recover (a member, the leader, or the quorum lost). Every change is planned, previewed
//! step by step, confirmed by typing what it does, executed, and its outcome shown.

use super::text_input::TextInput;
use crate::config::Level;
use crate::ensemble::member::MemberSnapshot;
use crate::ensemble::{EnsembleConfig, LearnerType, ServerSpec};
use crate::workflow::render::{preview_lines, step_title};
use crate::workflow::{plan, ClusterState, Goal, Mode, Plan, Severity};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Expand,
    Shrink,
    Recover,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Choosing the workflow.
    Menu,
    /// Expand: the new member's settings. Shrink: which members. Recover: the situation.
    Compose,
    /// Expand: the joiner is being started (sandbox) or its files are shown (real host);
    /// waiting until it is up and synced as a non-voting follower.
    Prepare,
    /// The plan, each step with its quorum preview.
    Review,
    /// Typing the confirmation phrase.
    Confirm,
    Running,
    Done,
}

/// Fields of the expand form, in display order. The role (index 1) is a choice, not text.
pub const FIELDS: [&str; 7] = [
    "server id",
    "role",
    "host",
    "quorum port",
    "election port",
    "client port",
    "how many (sandbox)",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Wizard {
    pub flow: Flow,
    pub stage: Stage,
    /// The expand form's text fields, indexed as `FIELDS` (the role's slot stays empty:
    /// the role is `role`).
    pub fields: Vec<TextInput>,
    /// The new member's role, chosen with ←/→ or space.
    pub role: LearnerType,
    pub cursor: usize,
    /// Shrink: members to remove. Recover: members to keep (the survivors).
    pub picked: BTreeSet<u64>,
    /// Members started for this expand, once they run.
    pub joiners: Vec<ServerSpec>,
    /// How many joiners we asked the sandbox for.
    pub joiners_wanted: usize,
    pub plan: Option<Plan>,
    /// The confirmation phrase as typed.
    pub typed: TextInput,
    pub log: Vec<(Level, String)>,
    /// Progress lines back from the newest (0: the newest are shown, and followed).
    pub log_scroll: usize,
    pub sandbox: bool,
    /// Text input for a directory to write the generated files to (expand, real host).
    pub write_dir: Option<TextInput>,
    /// Expand as a replacement: remove this (dead) member once the new one is in.
    pub replace: Option<u64>,
    /// Rows the plan is scrolled by (a long plan does not fit 30 rows; nothing may be hidden),
    /// kept within what the viewport leaves to see (`State::wizard_scroll_limit`).
    pub scroll: u16,
    /// Expand on a real host with host actions: writing the new member's files and starting
    /// it, step by step (empty without actions: the files are only shown).
    pub host: super::wizard_host::HostSetup,
}

impl Wizard {
    pub fn menu(sandbox: bool) -> Wizard {
        Wizard {
            flow: Flow::Expand,
            stage: Stage::Menu,
            fields: Vec::new(),
            role: LearnerType::Participant,
            cursor: 0,
            picked: BTreeSet::new(),
            joiners: Vec::new(),
            joiners_wanted: 0,
            plan: None,
            typed: TextInput::new(),
            log: Vec::new(),
            log_scroll: 0,
            sandbox,
            write_dir: None,
            replace: None,
            scroll: 0,
            host: Default::default(),
        }
    }

    /// Starts a flow with defaults drawn from the current membership.
    pub fn start(
        &mut self,
        flow: Flow,
        config: Option<&EnsembleConfig>,
        snaps: &[&MemberSnapshot],
    ) {
        self.flow = flow;
        self.stage = Stage::Compose;
        self.cursor = 0;
        self.scroll = 0;
        self.picked.clear();
        self.plan = None;
        self.typed.clear();
        self.log.clear();
        self.host = Default::default();
        match flow {
            Flow::Expand => {
                self.fields = default_fields(config);
                self.role = LearnerType::Participant;
            }
            Flow::Shrink => {}
            Flow::Recover => {
                // Survivors: every member whose process still answers.
                self.picked = snaps
                    .iter()
                    .filter(|s| s.role.is_alive())
                    .filter_map(|s| s.id)
                    .collect();
            }
        }
    }

    /// The spec typed into the expand form, or what is wrong with it.
    pub fn form_spec(&self) -> Result<ServerSpec, String> {
        let f = |i: usize| self.fields.get(i).map_or("", |t| t.value());
        let id: u64 = f(0)
            .trim()
            .parse()
            .map_err(|_| format!("server id {:?} is not a number", f(0)))?;
        let role = self.role;
        let port = |i: usize| -> Result<u16, String> {
            f(i).trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("{} {:?} is not a port", FIELDS[i], f(i)))
        };
        let host = f(2).trim();
        if host.is_empty() {
            return Err("type the new server's host name or address".into());
        }
        Ok(ServerSpec {
            id,
            host: host.to_string(),
            quorum_port: port(3)?,
            election_port: port(4)?,
            learner_type: role,
            client_host: Some(host.to_string()),
            client_port: Some(port(5)?),
        })
    }

    /// Fields the operator fills in: on a sandbox only the role and how many (the sandbox
    /// picks ids and free ports); on a real ensemble everything but the count.
    pub fn visible_fields(&self) -> &'static [usize] {
        if self.sandbox {
            &[1, 6]
        } else {
            &[0, 1, 2, 3, 4, 5]
        }
    }

    /// The field under the cursor.
    pub fn focused_field(&self) -> usize {
        let v = self.visible_fields();
        v[self.cursor.min(v.len() - 1)]
    }

    pub fn how_many(&self) -> usize {
        self.fields
            .get(6)
            .and_then(|v| v.value().trim().parse().ok())
            .unwrap_or(1)
            .clamp(1, 6)
    }

    pub fn role(&self) -> LearnerType {
        self.role
    }

    /// The other role: there are two, so ← → and space all flip it.
    pub fn toggle_role(&mut self) {
        self.role = match self.role {
            LearnerType::Participant => LearnerType::Observer,
            LearnerType::Observer => LearnerType::Participant,
        };
    }

    /// The goal this wizard is heading for.
    pub fn goal(&self) -> Option<Goal> {
        match self.flow {
            Flow::Expand if !self.joiners.is_empty() => Some(Goal {
                add: self.joiners.clone(),
                remove: self.replace.into_iter().collect(),
                mode: Mode::Stepwise,
            }),
            Flow::Expand => self.form_spec().ok().map(|s| Goal {
                add: vec![s],
                remove: self.replace.into_iter().collect(),
                mode: Mode::Stepwise,
            }),
            Flow::Shrink if !self.picked.is_empty() => Some(Goal {
                add: Vec::new(),
                remove: self.picked.iter().copied().collect(),
                mode: Mode::Stepwise,
            }),
            _ => None,
        }
    }

    /// Plans the goal against the ensemble as the console sees it now.
    pub fn replan(&mut self, state: &ClusterState) {
        self.plan = self.goal().map(|g| plan(state, &g));
    }

    /// What the operator must type to confirm: it says what will happen.
    pub fn phrase(&self) -> String {
        let ids = |v: &mut dyn Iterator<Item = u64>| {
            v.map(|i| i.to_string()).collect::<Vec<_>>().join(",")
        };
        if let Some(p) = self.host.phrase() {
            return p;
        }
        match self.flow {
            Flow::Expand => {
                let added = self.goal().map(|g| g.add).unwrap_or_default();
                let mut p = format!("add {}", ids(&mut added.iter().map(|s| s.id)));
                if let Some(r) = self.replace {
                    p.push_str(&format!(" remove {r}"));
                }
                p
            }
            Flow::Shrink => format!("remove {}", ids(&mut self.picked.iter().copied())),
            Flow::Recover => format!("recover {}", ids(&mut self.picked.iter().copied())),
        }
    }

    pub fn confirmed(&self) -> bool {
        self.typed.value().trim() == self.phrase()
    }

    /// Typed text that can no longer become the phrase: said at once, not only on enter.
    pub fn mistyped(&self) -> bool {
        !self.phrase().starts_with(self.typed.value().trim())
    }

    /// Scrolls the plan by `rows`, within `limit` (what the viewport leaves to see).
    pub fn scroll_by(&mut self, rows: i32, limit: usize) -> Option<Vec<super::Effect>> {
        let limit = limit.min(u16::MAX as usize) as i32;
        self.scroll = (i32::from(self.scroll) + rows).clamp(0, limit) as u16;
        Some(vec![])
    }

    /// The plan as the review screen shows it: lines of (tone, text) spans, so the model
    /// can measure what the renderer will draw.
    pub fn review_lines(&self) -> Vec<Vec<(Tone, String)>> {
        let Some(plan) = &self.plan else {
            return vec![vec![(Tone::Warn, "no plan".into())]];
        };
        let mut out = vec![vec![
            (Tone::Title, format!("{} step(s)  ", plan.steps.len())),
            if plan.safe {
                (Tone::Ok, " SAFE ".into())
            } else {
                (Tone::Critical, " UNSAFE ".into())
            },
        ]];
        if let Some(why) = &plan.blocked {
            out.push(vec![(Tone::Critical, format!("✗ {why}"))]);
        }
        for (i, step) in plan.steps.iter().enumerate() {
            out.push(Vec::new());
            out.push(vec![(
                Tone::Header,
                format!("step {}/{}: {}", i + 1, plan.steps.len(), step_title(step)),
            )]);
            for (sev, line) in preview_lines(&step.preview) {
                let (mark, tone) = match sev {
                    Severity::Info => ("  ", Tone::Text),
                    Severity::Warn => ("! ", Tone::Warn),
                    Severity::Blocking => ("✗ ", Tone::Critical),
                };
                out.push(vec![(tone, format!("  {mark}{line}"))]);
            }
        }
        out.push(Vec::new());
        out.push(key_hint(&[
            ("enter", "confirm"),
            ("p", "re-plan with fresh data"),
            ("esc", "back"),
        ]));
        out
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.log.push((level, text.into()));
        // Scrolled back, the view stays on the lines being read.
        if self.log_scroll > 0 {
            self.log_scroll += 1;
        }
    }
}

/// Sane defaults for a new member: the next free id, participant, and the conventional
/// ports (2888/3888/2181). The host is left empty: a new server lives on a new host, and
/// guessing one would point at an existing member.
fn default_fields(config: Option<&EnsembleConfig>) -> Vec<TextInput> {
    let id = config.map_or(1, |c| c.next_free_id()).to_string();
    [id.as_str(), "", "", "2888", "3888", "2181", "1"]
        .into_iter()
        .map(TextInput::with)
        .collect()
}

/// How a span of text is meant to look; the renderer maps tones to the theme's styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Text,
    Title,
    Header,
    Key,
    Muted,
    Ok,
    Warn,
    Critical,
}

/// A line of keys and their labels only (`key_hint`), which the view pins under the text.
pub fn is_key_line(line: &[(Tone, String)]) -> bool {
    !line.is_empty()
        && line.len().is_multiple_of(2)
        && line
            .chunks(2)
            .all(|c| c[0].0 == Tone::Key && c[1].0 == Tone::Muted)
}

/// `key label   key label` as spans.
pub fn key_hint(keys: &[(&str, &str)]) -> Vec<(Tone, String)> {
    keys.iter()
        .flat_map(|(k, label)| {
            [
                (Tone::Key, k.to_string()),
                (Tone::Muted, format!(" {label}   ")),
            ]
        })
        .collect()
}

/// The files a new member on a real host needs: `zoo.cfg`, its dynamic config seed (the
/// committed membership plus itself) and `myid`.
pub fn joiner_files(config: &EnsembleConfig, spec: &ServerSpec) -> Vec<(String, String)> {
    joiner_files_at(
        config,
        spec,
        "/var/lib/zookeeper",
        "/etc/zookeeper/conf/zoo.cfg.dynamic",
    )
}

/// [`joiner_files`] for a host whose paths are known (the ensemble's `data_dir` and `zoo_cfg`
/// settings): zoo.cfg names that data directory and dynamic file.
pub fn joiner_files_at(
    config: &EnsembleConfig,
    spec: &ServerSpec,
    data_dir: &str,
    dynamic_path: &str,
) -> Vec<(String, String)> {
    let mut seed = config.clone();
    seed.version = None;
    seed.servers.insert(spec.id, spec.clone());
    let dynamic: String = seed
        .servers
        .values()
        .map(|s| format!("{}\n", s.to_line()))
        .collect();
    let zoo = format!(
        "# zoo.cfg for server {id}, generated by zkconsole. Adjust paths to the host.\n\
         tickTime=2000\ninitLimit=10\nsyncLimit=5\n\
         dataDir={data_dir}\n\
         reconfigEnabled=true\nstandaloneEnabled=false\n\
         4lw.commands.whitelist=srvr,mntr,conf,isro,ruok\n\
         dynamicConfigFile={dynamic_path}\n",
        id = spec.id
    );
    vec![
        ("zoo.cfg".into(), zoo),
        ("zoo.cfg.dynamic".into(), dynamic),
        ("myid".into(), format!("{}\n", spec.id)),
    ]
}

/// What happened to the quorum, for the recover flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Situation {
    Healthy,
    /// Members down or not answering while the quorum holds.
    MembersDown(Vec<u64>),
    /// No leader right now (an election, or worse).
    LeaderLost,
    /// No voter majority serves.
    QuorumLost,
}

pub fn situation(has_quorum: bool, leader: Option<u64>, snaps: &[&MemberSnapshot]) -> Situation {
    if !has_quorum {
        return Situation::QuorumLost;
    }
    if leader.is_none() {
        return Situation::LeaderLost;
    }
    let down: Vec<u64> = snaps
        .iter()
        .filter(|s| !s.role.is_serving())
        .filter_map(|s| s.id)
        .collect();
    if down.is_empty() {
        Situation::Healthy
    } else {
        Situation::MembersDown(down)
    }
}

/// Quorum-loss recovery: the survivor with the highest last known zxid goes first; the new
/// membership lists only the survivors.
pub fn recovery_membership(config: &EnsembleConfig, survivors: &BTreeSet<u64>) -> EnsembleConfig {
    let mut c = config.clone();
    c.servers.retain(|id, _| survivors.contains(id));
    c.version = None;
    c
}

/// The documented manual recovery, as numbered steps for a real ensemble.
pub fn recovery_steps(
    config: &EnsembleConfig,
    survivors: &BTreeSet<u64>,
    freshest: Option<u64>,
) -> Vec<String> {
    let ids: Vec<String> = survivors.iter().map(|i| i.to_string()).collect();
    let lost: Vec<String> = config
        .servers
        .keys()
        .filter(|i| !survivors.contains(i))
        .map(|i| i.to_string())
        .collect();
    let new = recovery_membership(config, survivors);
    let mut out = vec![
        match ids.as_slice() {
            [one] => format!("Stop survivor {one} before changing anything."),
            _ => format!(
                "Stop the survivors {} — all of them, before changing anything.",
                ids.join(", ")
            ),
        },
        format!(
            "On each survivor, replace the dynamic config file (dynamicConfigFile=) with exactly these lines:\n{}",
            new.to_text().trim_end()
        ),
    ];
    if let Some(f) = freshest {
        out.push(format!(
            "Start server {f} first: of the survivors kept, it has the highest last zxid seen, so it leads and its history wins."
        ));
    }
    out.push(format!(
        "Start the other survivors; wait until `zkconsole status` shows a leader and quorum {}.",
        crate::ensemble::quorum_size(survivors.len())
    ));
    out.push(format!(
        "Grow again with expand. The lost servers ({}) may rejoin only with a wiped dataDir.",
        if lost.is_empty() {
            "-".into()
        } else {
            lost.join(", ")
        }
    ));
    out
}
