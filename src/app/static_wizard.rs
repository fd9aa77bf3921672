//! The expand/shrink wizards on an ensemble that runs without dynamic reconfig
//! (`reconfigEnabled=false`, the default since 3.5.3): a `reconfig` there fails at apply, so
//! the wizard does not offer one. It says plainly why and what the static procedure (edit
//! each member's `zoo.cfg`, restart one at a time) would look like, step by step, with the
//! intersection and availability verdicts; running it needs host actions, which the
//! command line's `apply` drives today. Pure.

use super::wizard::{Flow, Wizard};
use super::State;
use crate::config::Level;
use crate::ensemble::mode::ReconfigMode;
use crate::ensemble::ServerSpec;
use crate::workflow::static_plan::{plan_static, static_plan_text, StaticGoal, StaticState};
use std::collections::BTreeMap;

impl State {
    /// Refuses a dynamic expand or shrink where reconfig is off, with the reason and an
    /// example static plan in the wizard's log; whether it refused.
    pub(super) fn refuse_static(&self, w: &mut Wizard, flow: Flow) -> bool {
        if flow == Flow::Recover || self.reconfig_mode() != ReconfigMode::Disabled {
            return false;
        }
        w.log.clear();
        w.log_scroll = 0;
        for (level, line) in self.static_refusal(flow) {
            w.say(level, line);
        }
        true
    }

    /// The lines the wizard shows instead of a reconfig plan.
    pub fn static_refusal(&self, flow: Flow) -> Vec<(Level, String)> {
        let name = &self.ensemble;
        let has_actions = self
            .config
            .ensembles
            .get(name)
            .is_some_and(|e| e.actions.is_some());
        let how = if has_actions {
            format!(
                "host actions are configured: run the static change with \
                 `zkconsole plan --ensemble {name} --add/--remove …` then `zkconsole apply`"
            )
        } else {
            format!(
                "no host actions: add [ensembles.{name}.actions] (stop, start, read_file, \
                 write_file, zoo_cfg, data_dir) to the config so the console can edit each \
                 zoo.cfg and restart members"
            )
        };
        // The preview first, the reason last: the progress pane follows its newest lines, so
        // the reason is what shows, and the steps scroll into view above it.
        let mut out = Vec::new();
        if let Some((what, goal)) = self.example_goal(flow) {
            let plan = plan_static(&self.static_state(), &goal);
            out.push((Level::Ok, format!("the static procedure, e.g. to {what}:")));
            let level = if plan.safe { Level::Ok } else { Level::Warn };
            out.extend(
                static_plan_text(&plan)
                    .lines()
                    .map(|l| (level, l.to_string())),
            );
            if let Some(why) = plan.blocked {
                out.push((Level::Warn, format!("no safe static plan: {why}")));
            }
        }
        out.push((
            Level::Warn,
            "reconfig is off on this ensemble (membership version 0): a dynamic reconfig \
             would fail; members change by editing each zoo.cfg and restarting them one at \
             a time (the steps above; ctrl-p scrolls)"
                .to_string(),
        ));
        out.push((Level::Warn, how));
        out
    }

    /// Which member runs which voter list (its own `conf`, else the membership's), who is up
    /// and who leads: where the static planner starts from.
    fn static_state(&self) -> StaticState {
        let cfg = self.membership.as_ref();
        let common = cfg.map(|c| c.voter_ids()).unwrap_or_default();
        let lists: BTreeMap<u64, _> = cfg
            .map(|c| c.servers.keys().copied().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|id| {
                let own = self.member_confs.view(id).map(|v| v.voter_ids());
                (id, own.unwrap_or_else(|| common.clone()))
            })
            .collect();
        let up = self
            .members
            .values()
            .filter(|m| m.snap.role.is_alive())
            .filter_map(|m| m.snap.id)
            .collect();
        StaticState {
            lists,
            up,
            leader: self.health.leader,
        }
    }

    /// An example goal for the preview: add the next id, or remove the highest-numbered
    /// voter that does not lead (the wizard's own choice comes later, in its form).
    fn example_goal(&self, flow: Flow) -> Option<(String, StaticGoal)> {
        let cfg = self.membership.as_ref()?;
        match flow {
            Flow::Expand => {
                let id = cfg.servers.keys().max().copied().unwrap_or(0) + 1;
                let spec = ServerSpec::parse_line(&format!(
                    "server.{id}=new-host:2888:3888:participant;2181"
                ))
                .ok()?;
                let goal = StaticGoal {
                    add: vec![spec],
                    remove: vec![],
                    batch: false,
                    clean: false,
                };
                Some((format!("add member {id}"), goal))
            }
            Flow::Shrink => {
                let leader = self.health.leader;
                let id = cfg.voter_ids().into_iter().rfind(|v| Some(*v) != leader)?;
                let goal = StaticGoal {
                    add: vec![],
                    remove: vec![id],
                    batch: false,
                    clean: false,
                };
                Some((format!("remove member {id}"), goal))
            }
            Flow::Recover => None,
        }
    }
}
