//! The quorum-loss recovery on real hosts, as it will run, for the confirmation: each
//! survivor stopped, its membership rewritten (after a backup), then started, the freshest
//! first (`tui::recover_hosts` runs it, as `zkconsole recover` does).

use crate::app::wizard::Wizard;
use crate::app::State;
use crate::config::actions::ActionsEntry;
use crate::ensemble::EnsembleConfig;
use crate::host::{Action, CommandHost, HostActions, MemberRef};

/// The actions a quorum-loss recovery needs.
pub fn recover_ready(a: &ActionsEntry) -> bool {
    a.stop.is_some()
        && a.start.is_some()
        && a.read_file.is_some()
        && a.write_file.is_some()
        && a.zoo_cfg.is_some()
}

/// The recovery on real hosts as it will run, for the confirmation: each survivor stopped,
/// its membership rewritten (after a backup), then started, the freshest first.
pub fn recover_preview(
    entry: &ActionsEntry,
    config: &EnsembleConfig,
    order: &[u64],
) -> Vec<String> {
    let host = CommandHost::new(entry.clone());
    let member = |id: u64| {
        config.servers.get(&id).map(|s| MemberRef {
            id,
            host: s.client_host.clone().unwrap_or_else(|| s.host.clone()),
            client_port: s.client_port.unwrap_or(2181),
        })
    };
    let run = |a: &Action, id: u64| match member(id) {
        Some(m) => host
            .describe(a, &m)
            .unwrap_or_else(|e| format!("{} member {id}: cannot run: {e}", a.name())),
        None => format!("member {id} is not in the last known membership"),
    };
    let ids: Vec<String> = order.iter().map(|i| i.to_string()).collect();
    let mut out = Vec::new();
    for &id in order {
        out.push(format!("stop {id}: {}", run(&Action::Stop, id)));
    }
    for &id in order {
        out.push(format!(
            "rewrite {id}: read {}, back it up beside itself, write a membership of {} only",
            run(&Action::ReadConfig, id),
            ids.join(",")
        ));
    }
    for (i, &id) in order.iter().enumerate() {
        let first = if i == 0 {
            " (the freshest, first and alone)"
        } else {
            ""
        };
        out.push(format!("start {id}{first}: {}", run(&Action::Start, id)));
    }
    out.push("verify: a leader among the survivors, serving".into());
    out
}

impl State {
    /// The ensemble's host actions when they can carry out a quorum-loss recovery (stop,
    /// read and rewrite the membership, start), as `zkconsole recover` needs them.
    pub fn recover_actions(&self) -> Option<&ActionsEntry> {
        self.actions_for(recover_ready)
    }

    /// Lists the recovery's steps for the confirmation: the survivors picked, the freshest
    /// first (the executor orders them again on a fresh observation before it runs).
    pub(in crate::app) fn preview_recovery(&self, w: &mut Wizard) {
        let (Some(entry), Some(cfg)) = (self.recover_actions(), self.membership.as_ref()) else {
            return;
        };
        let first = self.freshest(&w.picked);
        let order: Vec<u64> = first
            .into_iter()
            .chain(w.picked.iter().copied().filter(|id| Some(*id) != first))
            .collect();
        w.host.preview = recover_preview(entry, cfg, &order);
    }
}
