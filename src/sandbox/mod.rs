//! Real local ensembles of ZooKeeper processes on loopback, for walkthroughs, drills and tests.
//!
//! Every member is a real `QuorumPeerMain` JVM with its own data dir, myid, dynamic config file
//! and ports, reconfig enabled and a digest super user. The console, the CLI and the tests all
//! get their ensembles from here.

mod files;
mod java;
pub mod ports;
mod state;

pub use files::digest_of;
pub use java::{find_classpath, INSTALL_HINT};
pub use state::{LearnerTypeRepr, MemberInfo, SandboxState, SandboxTls, DIGEST_FILE, STATE_FILE};

use crate::ensemble::{EnsembleConfig, LearnerType, ServerSpec};
use crate::probe::parse::{parse_srvr, Reply};
use crate::probe::transport::{four_letter_word, DEFAULT_REPLY_CAP};
use crate::probe::types::ServerMode;
use anyhow::{anyhow, bail, Context, Result};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::time::{sleep, Instant};

/// How long a SIGKILLed member may take to be gone: the kernel frees it in milliseconds, so
/// this only bounds a member stuck in uninterruptible I/O.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Voting members to start (1–9).
    pub members: usize,
    /// Where to put it; `None` makes a temporary directory removed on drop.
    pub dir: Option<PathBuf>,
    /// `4lw.commands.whitelist`: `*` by default; `srvr` reproduces ZooKeeper's own default.
    pub whitelist: String,
    pub tick_ms: u32,
    /// Start members with `readonlymode.enabled=true`, so a partitioned member turns read-only.
    pub read_only_mode: bool,
    /// How long `up` may wait for a serving leader.
    pub start_timeout: Duration,
    /// Serve TLS on a second client port of every member, from this key store.
    pub tls: Option<SandboxTls>,
    /// Write the classic static format instead of a dynamic membership (what most
    /// production ensembles run): `reconfigEnabled=false`, `server.N=host:q:e` lines in
    /// zoo.cfg without a client port, `clientPort` apart.
    pub static_layout: Option<StaticLayout>,
}

/// Where the members of a static sandbox listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticLayout {
    /// All on 127.0.0.1, each with its own client port.
    OneHost,
    /// Member N on 127.0.0.1N (127.0.0.11, .12, ...), all on one client port, as on
    /// separate hosts. Linux routes all of 127/8 to the loopback interface.
    LoopbackHosts,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            members: 3,
            dir: None,
            whitelist: "*".into(),
            tick_ms: 500,
            read_only_mode: false,
            start_timeout: Duration::from_secs(60),
            tls: None,
            static_layout: None,
        }
    }
}

pub struct Sandbox {
    dir: PathBuf,
    state: SandboxState,
    children: HashMap<u64, Child>,
    /// A temporary sandbox: its members are killed and its directory removed on drop.
    temp: Option<tempfile::TempDir>,
    /// Stop the members on drop (tests); `detach` turns this off for `sandbox up`.
    stop_on_drop: bool,
}

impl Sandbox {
    /// Starts `members` voters and returns once a leader serves with a quorum behind it.
    pub async fn up(opts: SandboxOptions) -> Result<Sandbox> {
        check_members(opts.members).map_err(|e| anyhow!(e))?;
        let classpath = find_classpath().map_err(|e| anyhow!(e))?;
        let (dir, temp) = match &opts.dir {
            Some(d) => {
                if d.join(STATE_FILE).exists() {
                    bail!(
                        "{} already holds a sandbox; stop it with `zkconsole sandbox down --dir {}`",
                        d.display(),
                        d.display()
                    );
                }
                // Private: members' files hold the super digest and key store passwords.
                std::os::unix::fs::DirBuilderExt::mode(
                    std::fs::DirBuilder::new().recursive(true),
                    0o700,
                )
                .create(d)
                .with_context(|| format!("creating sandbox dir {}", d.display()))?;
                (std::fs::canonicalize(d)?, None)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("zkconsole-sandbox-")
                    .tempdir()?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let password = files::random_password();
        files::write_secret(&dir.join(DIGEST_FILE), &format!("super:{password}\n"))?;
        let per_member = if opts.tls.is_some() { 5 } else { 4 };
        let ports = ports::free_ports(opts.members * per_member)?;
        let members: Vec<MemberInfo> = (0..opts.members)
            .map(|i| {
                let id = i as u64 + 1;
                let p = &ports[i * per_member..(i + 1) * per_member];
                let spread = opts.static_layout == Some(StaticLayout::LoopbackHosts);
                MemberInfo {
                    id,
                    // Spread over loopback addresses, every member takes the first one's port.
                    client_port: if spread { ports[0] } else { p[0] },
                    host: if spread {
                        format!("127.0.0.1{id}")
                    } else {
                        "127.0.0.1".into()
                    },
                    quorum_port: p[1],
                    election_port: p[2],
                    admin_port: p[3],
                    learner_type: LearnerTypeRepr::Participant,
                    pid: None,
                    paused: false,
                    dir: dir.join(format!("m{id}")),
                    secure_client_port: p.get(4).copied(),
                }
            })
            .collect();
        let mut sb = Sandbox {
            dir: dir.clone(),
            state: SandboxState {
                format: 1,
                classpath,
                tick_ms: opts.tick_ms,
                whitelist: opts.whitelist.clone(),
                read_only_mode: opts.read_only_mode,
                super_digest: digest_of("super", &password),
                members,
                tls: opts.tls.clone(),
                static_membership: opts.static_layout.is_some(),
            },
            children: HashMap::new(),
            temp,
            stop_on_drop: true,
        };
        let specs: Vec<ServerSpec> = sb.state.members.iter().map(|m| sb.spec_of(m)).collect();
        for m in sb.state.members.clone() {
            sb.write_member_files(&m, &specs)?;
        }
        sb.save()?;
        for id in sb.ids() {
            sb.spawn(id)?;
        }
        sb.save()?;
        sb.wait_for_leader(opts.start_timeout).await?;
        Ok(sb)
    }

    /// Attaches to a sandbox another process started (for `down` and drills).
    pub fn open(dir: &Path) -> Result<Sandbox> {
        let state = SandboxState::load(dir).map_err(|e| anyhow!(e))?;
        // Members run from their own directories: every path handed to them must be absolute.
        let dir = std::fs::canonicalize(dir).with_context(|| format!("{}", dir.display()))?;
        Ok(Sandbox {
            dir,
            state,
            children: HashMap::new(),
            temp: None,
            stop_on_drop: false,
        })
    }

    /// Leaves the members running when this handle goes away.
    pub fn detach(mut self) -> PathBuf {
        self.stop_on_drop = false;
        if let Some(t) = self.temp.take() {
            // A detached temporary sandbox must outlive us: keep its directory.
            let _ = t.keep();
        }
        self.dir.clone()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn members(&self) -> &[MemberInfo] {
        &self.state.members
    }

    pub fn member(&self, id: u64) -> Result<&MemberInfo> {
        self.state
            .member(id)
            .ok_or_else(|| anyhow!("the sandbox has no member {id}"))
    }

    pub fn ids(&self) -> Vec<u64> {
        self.state.members.iter().map(|m| m.id).collect()
    }

    /// Client addresses of every member, comma-separated: a ZooKeeper connect string.
    /// The members' TLS client ports (`tcp+tls://...`), empty when the sandbox has none.
    pub fn secure_connect_string(&self) -> String {
        self.state
            .members
            .iter()
            .filter_map(MemberInfo::secure_address)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn connect_string(&self) -> String {
        self.state
            .members
            .iter()
            .map(MemberInfo::client_address)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The file holding `super:<password>` (mode 0600), usable as a digest credentials file.
    pub fn digest_file(&self) -> PathBuf {
        self.dir.join(DIGEST_FILE)
    }

    /// `(id, url)` of every member's AdminServer.
    pub fn admin_urls(&self) -> Vec<(u64, String)> {
        self.state
            .members
            .iter()
            .map(|m| (m.id, m.admin_url()))
            .collect()
    }

    pub fn is_running(&self, id: u64) -> bool {
        self.state
            .member(id)
            .and_then(|m| m.pid)
            .is_some_and(pid_alive)
    }

    /// SIGKILL, as a crash would: no clean shutdown, no goodbye to the quorum. Waits (async)
    /// until the process is gone. A member that is not running is an error that says so.
    pub async fn kill(&mut self, id: u64) -> Result<()> {
        self.begin_kill(id)?.reaped().await
    }

    /// Sends SIGKILL and marks the member stopped, returning what to wait on. Callers that
    /// share the sandbox behind a lock release it before they wait.
    pub fn begin_kill(&mut self, id: u64) -> Result<Stopping> {
        self.begin_stop(id)?
            .ok_or_else(|| anyhow!("member {id} is not running"))
    }

    /// Like [`Sandbox::begin_kill`], but a member that is not running is no error (`None`).
    pub fn begin_stop(&mut self, id: u64) -> Result<Option<Stopping>> {
        let m = self.member(id)?;
        let conf = m.dir.join("zoo.cfg");
        // A pid from the state file may have been reused since: signal only our member.
        let live = m.pid.filter(|p| pid_alive(*p) && runs_config(*p, &conf));
        if let Some(pid) = live {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGCONT);
        }
        // A child that exited on its own is left to tokio, which reaps orphaned children.
        let child = self.children.remove(&id);
        self.update(id, |m| {
            m.pid = None;
            m.paused = false;
        })?;
        Ok(live.map(|pid| Stopping { id, pid, child }))
    }

    /// SIGSTOP: the process keeps its sockets but answers nothing, like a hung JVM.
    pub fn pause(&mut self, id: u64) -> Result<()> {
        let pid = self.running_pid(id)?;
        kill(Pid::from_raw(pid as i32), Signal::SIGSTOP)?;
        self.update(id, |m| m.paused = true)
    }

    pub fn resume(&mut self, id: u64) -> Result<()> {
        let pid = self.running_pid(id)?;
        if !self.member(id)?.paused {
            bail!("member {id} is not paused");
        }
        kill(Pid::from_raw(pid as i32), Signal::SIGCONT)?;
        self.update(id, |m| m.paused = false)
    }

    /// Starts a member that is not running, from the files ZooKeeper last wrote for it.
    pub fn start(&mut self, id: u64) -> Result<()> {
        if self.is_running(id) {
            bail!("member {id} is already running");
        }
        self.spawn(id)?;
        self.save()
    }

    pub async fn restart(&mut self, id: u64) -> Result<()> {
        if let Some(stopping) = self.begin_stop(id)? {
            stopping.reaped().await?;
        }
        self.start(id)
    }

    /// Starts a new member that is not yet in the configuration: its seed is the current
    /// committed membership plus itself, so it syncs as a non-voting follower (or an observer)
    /// until a reconfig adds it. Returns once it serves.
    pub async fn add_member(&mut self, learner_type: LearnerType) -> Result<MemberInfo> {
        let info = self.launch_member(learner_type).await?;
        wait_serving(&info, Duration::from_secs(60)).await?;
        Ok(info)
    }

    /// [`Sandbox::add_member`] without the wait for it to serve: callers that share the
    /// sandbox behind a lock wait with [`wait_serving`] after releasing it.
    pub async fn launch_member(&mut self, learner_type: LearnerType) -> Result<MemberInfo> {
        let current = self.current_config().await?;
        let id = current
            .next_free_id()
            .max(self.state.members.iter().map(|m| m.id).max().unwrap_or(0) + 1);
        let p = ports::free_ports(if self.state.tls.is_some() { 5 } else { 4 })?;
        let info = MemberInfo {
            id,
            client_port: p[0],
            quorum_port: p[1],
            election_port: p[2],
            admin_port: p[3],
            learner_type: learner_type.into(),
            pid: None,
            paused: false,
            dir: self.dir.join(format!("m{id}")),
            secure_client_port: p.get(4).copied(),
            host: "127.0.0.1".into(),
        };
        let mut seed: Vec<ServerSpec> = current.servers.values().cloned().collect();
        seed.push(self.spec_of(&info));
        // A lost member's directory (after a quorum recovery) must not be reused: a server
        // may rejoin only with a wiped dataDir.
        if info.dir.exists() {
            std::fs::remove_dir_all(&info.dir)
                .with_context(|| format!("wiping {}", info.dir.display()))?;
        }
        self.write_member_files(&info, &seed)?;
        self.state.members.push(info.clone());
        self.spawn(id)?;
        self.save()?;
        Ok(self.member(id)?.clone())
    }

    /// A slot for a new member whose files someone else writes (the static procedure writes a
    /// joiner's zoo.cfg and myid through the host actions): ports and an empty data dir,
    /// recorded so `start`/`restart` can run it. Nothing is started.
    pub fn reserve_member(&mut self) -> Result<MemberInfo> {
        let id = self.state.members.iter().map(|m| m.id).max().unwrap_or(0) + 1;
        let p = ports::free_ports(4)?;
        let info = MemberInfo {
            id,
            client_port: p[0],
            quorum_port: p[1],
            election_port: p[2],
            admin_port: p[3],
            learner_type: LearnerTypeRepr::Participant,
            pid: None,
            paused: false,
            dir: self.dir.join(format!("m{id}")),
            secure_client_port: None,
            host: "127.0.0.1".into(),
        };
        if info.dir.exists() {
            std::fs::remove_dir_all(&info.dir)
                .with_context(|| format!("wiping {}", info.dir.display()))?;
        }
        std::fs::create_dir_all(info.dir.join("data"))?;
        self.state.members.push(info.clone());
        self.save()?;
        Ok(info)
    }

    /// The documented recovery from a lost quorum, carried out: stop the survivors, rewrite
    /// each one's dynamic config to list only the survivors, start them (the first listed
    /// first: give the one with the highest zxid), and wait for a serving leader. Writes that
    /// only the lost members had are gone; lost members may rejoin only with a wiped dataDir.
    pub async fn recover_quorum(&mut self, survivors: &[u64]) -> Result<u64> {
        self.restart_survivors(survivors).await?;
        self.wait_for_leader(Duration::from_secs(60)).await
    }

    /// [`Sandbox::recover_quorum`] up to the survivors' start; waiting for their leader is
    /// left to [`Members::wait_for_leader`], which needs no hold on the sandbox.
    pub async fn restart_survivors(&mut self, survivors: &[u64]) -> Result<()> {
        if survivors.is_empty() {
            bail!("name at least one survivor");
        }
        for id in survivors {
            self.member(*id)?;
        }
        for id in survivors {
            if let Some(stopping) = self.begin_stop(*id)? {
                stopping.reaped().await?;
            }
        }
        for id in survivors {
            let dir = self.member(*id)?.dir.clone();
            let path = dynamic_file_of(&dir)?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let kept: String = text
                .lines()
                .filter(|l| match ServerSpec::parse_line(l) {
                    Ok(spec) => survivors.contains(&spec.id),
                    // version= and anything else ZooKeeper wrote stays as it was.
                    Err(_) => !l.trim_start().starts_with("server."),
                })
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(&path, kept).with_context(|| format!("writing {}", path.display()))?;
        }
        for id in survivors {
            self.spawn(*id)?;
        }
        self.save()?;
        self.state
            .members
            .retain(|m| survivors.contains(&m.id) || m.pid.is_some_and(pid_alive));
        self.save()
    }

    /// The membership as the ensemble sees it now (`conf` of the first member that serves).
    pub async fn current_config(&self) -> Result<EnsembleConfig> {
        let mut last_err = anyhow!("no member is running");
        let mut best: Option<EnsembleConfig> = None;
        for m in &self.state.members {
            if !self.is_running(m.id) || m.paused {
                continue;
            }
            match four_letter_word(
                &m.client_address(),
                "conf",
                Duration::from_secs(2),
                DEFAULT_REPLY_CAP,
            )
            .await
            {
                Ok(text) => match EnsembleConfig::parse(&text) {
                    Ok(cfg) if !cfg.servers.is_empty() => {
                        if best.as_ref().is_none_or(|b| cfg.version > b.version) {
                            best = Some(cfg);
                        }
                    }
                    Ok(_) => last_err = anyhow!("member {}: {}", m.id, text.trim()),
                    Err(e) => last_err = anyhow!("member {}: {e}", m.id),
                },
                Err(e) => last_err = anyhow!("member {}: {e}", m.id),
            }
        }
        best.ok_or(last_err)
    }

    /// Polls `srvr` until some member leads and a majority of the configured voters serve.
    pub async fn wait_for_leader(&self, timeout: Duration) -> Result<u64> {
        self.view().wait_for_leader(timeout).await
    }

    /// Polls until member `id` answers `srvr` with a serving mode.
    pub async fn wait_serving(&self, id: u64, timeout: Duration) -> Result<ServerMode> {
        wait_serving(self.member(id)?, timeout).await
    }

    /// The members as they are now, to wait on without holding the sandbox.
    pub fn view(&self) -> Members {
        Members {
            dir: self.dir.clone(),
            members: self.state.members.clone(),
        }
    }

    /// Stops every member and removes the directory.
    pub async fn down(mut self) -> Result<()> {
        let stopping = self.stop_all();
        for s in stopping {
            s.reaped().await?;
        }
        self.stop_on_drop = false;
        let dir = self.dir.clone();
        if let Some(t) = self.temp.take() {
            t.close()?;
        } else {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        Ok(())
    }

    /// SIGKILLs every member; returns what to wait on.
    fn stop_all(&mut self) -> Vec<Stopping> {
        // Another process may have added or restarted members since this handle last looked
        // (a console's expand wizard or drills on `--sandbox-dir`): the state file knows them.
        if let Ok(on_disk) = SandboxState::load(&self.dir) {
            self.state = on_disk;
        }
        self.ids()
            .into_iter()
            .filter_map(|id| self.begin_stop(id).ok().flatten())
            .collect()
    }

    fn running_pid(&self, id: u64) -> Result<u32> {
        self.member(id)?
            .pid
            .filter(|p| pid_alive(*p))
            .ok_or_else(|| anyhow!("member {id} is not running"))
    }

    fn spawn(&mut self, id: u64) -> Result<()> {
        let m = self.member(id)?.clone();
        let conf = m.dir.join("zoo.cfg");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(m.log_file())?;
        let mut cmd = Command::new(java::java_binary());
        cmd.args(java::jvm_args(&self.state.classpath, &self.dir, &conf))
            .current_dir(&m.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // The console's credentials are not the member's business: a JVM's environment
            // is readable in /proc by its user and ends up in heap dumps and crash logs.
            .env_remove(crate::config::DIGEST_ENV)
            // Its own process group: a Ctrl-C in the console's terminal must not kill members.
            .process_group(0);
        java::private_files(&mut cmd);
        let child = cmd.spawn().with_context(|| {
            "starting java (is a JRE installed? `apt-get install zookeeper` brings one)"
        })?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow!("member {id} exited as it started"))?;
        self.children.insert(id, child);
        self.update(id, |m| {
            m.pid = Some(pid);
            m.paused = false;
        })
    }

    fn write_member_files(&self, m: &MemberInfo, dynamic: &[ServerSpec]) -> Result<()> {
        files::MemberFiles {
            dir: &m.dir,
            id: m.id,
            admin_port: m.admin_port,
            tick_ms: self.state.tick_ms,
            whitelist: &self.state.whitelist,
            super_digest: &self.state.super_digest,
            read_only_mode: self.state.read_only_mode,
            secure: m.secure_client_port.zip(self.state.tls.as_ref()),
            static_client: self
                .state
                .static_membership
                .then_some((m.host.as_str(), m.client_port)),
        }
        .write(dynamic)
        .with_context(|| format!("writing files for member {} in {}", m.id, m.dir.display()))?;
        Ok(())
    }

    fn update(&mut self, id: u64, f: impl FnOnce(&mut MemberInfo)) -> Result<()> {
        let m = self
            .state
            .members
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or_else(|| anyhow!("the sandbox has no member {id}"))?;
        f(m);
        self.save()
    }

    fn save(&self) -> Result<()> {
        self.state
            .save(&self.dir)
            .with_context(|| format!("writing {}", self.dir.join(STATE_FILE).display()))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.stop_on_drop {
            // No await in drop: SIGKILL everything, then give the kernel a moment so the
            // directory is not removed under members still writing to it. SIGKILL is
            // immediate, so this is bounded and short; callers that can wait use `down`.
            let pids: Vec<u32> = self.stop_all().iter().map(|s| s.pid).collect();
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            while pids.iter().any(|p| pid_alive(*p)) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// A sandbox has 1 to 9 members; the CLI checks this before it prints or starts anything.
pub fn check_members(n: usize) -> std::result::Result<(), String> {
    if (1..=9).contains(&n) {
        Ok(())
    } else {
        Err(format!(
            "a sandbox has 1 to 9 members, not {n} (--members 1..9)"
        ))
    }
}

/// A member that was sent SIGKILL and may not be gone yet.
#[derive(Debug)]
pub struct Stopping {
    id: u64,
    pid: u32,
    /// Our own child is reaped by waiting on it; a member another process started is polled.
    child: Option<Child>,
}

impl Stopping {
    /// Waits, without blocking a worker, until the process is gone (at most [`EXIT_TIMEOUT`]).
    pub async fn reaped(self) -> Result<()> {
        let gone = async {
            match self.child {
                Some(mut child) => {
                    let _ = child.wait().await;
                }
                None => {
                    while pid_alive(self.pid) {
                        sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        };
        tokio::time::timeout(EXIT_TIMEOUT, gone).await.map_err(|_| {
            anyhow!(
                "member {} (pid {}) is still there {EXIT_TIMEOUT:?} after SIGKILL",
                self.id,
                self.pid
            )
        })
    }
}

/// The members of a sandbox as they were when taken, to wait on without holding the sandbox.
#[derive(Debug, Clone)]
pub struct Members {
    dir: PathBuf,
    members: Vec<MemberInfo>,
}

impl Members {
    /// Polls `srvr` until some member leads and a majority of the configured voters serve.
    pub async fn wait_for_leader(&self, timeout: Duration) -> Result<u64> {
        let deadline = Instant::now() + timeout;
        loop {
            let modes = self.modes().await;
            let leader = modes.iter().find(|(_, m)| *m == Some(ServerMode::Leader));
            let serving = modes.iter().filter(|(_, m)| m.is_some()).count();
            let voters = self
                .members
                .iter()
                .filter(|m| m.learner_type == LearnerTypeRepr::Participant)
                .count();
            if let Some((id, _)) = leader {
                if serving > voters / 2 {
                    return Ok(*id);
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "no serving leader after {:?} (member logs: {}/m*/zookeeper.log)",
                    timeout,
                    self.dir.display()
                );
            }
            sleep(Duration::from_millis(100)).await;
        }
    }

    async fn modes(&self) -> Vec<(u64, Option<ServerMode>)> {
        let probes = self.members.iter().map(|m| {
            let addr = m.client_address();
            let id = m.id;
            async move { (id, srvr_mode(&addr).await) }
        });
        futures::future::join_all(probes).await
    }
}

/// Polls until `member` answers `srvr` with a serving mode.
pub async fn wait_serving(member: &MemberInfo, timeout: Duration) -> Result<ServerMode> {
    let deadline = Instant::now() + timeout;
    let addr = member.client_address();
    loop {
        if let Some(mode) = srvr_mode(&addr).await {
            return Ok(mode);
        }
        if Instant::now() >= deadline {
            bail!(
                "member {} did not serve within {timeout:?} (log: {})",
                member.id,
                member.log_file().display()
            );
        }
        sleep(Duration::from_millis(100)).await;
    }
}

/// The dynamic config file a member runs from: ZooKeeper rewrites zoo.cfg to point at the
/// latest `zoo.cfg.dynamic.<version>`.
fn dynamic_file_of(member_dir: &Path) -> Result<PathBuf> {
    let cfg = std::fs::read_to_string(member_dir.join("zoo.cfg"))?;
    cfg.lines()
        .find_map(|l| l.trim().strip_prefix("dynamicConfigFile="))
        .map(|p| PathBuf::from(p.trim()))
        .ok_or_else(|| anyhow!("{}/zoo.cfg has no dynamicConfigFile", member_dir.display()))
}

impl Sandbox {
    /// A member's server line. In the static format it names no client port.
    fn spec_of(&self, m: &MemberInfo) -> ServerSpec {
        let mut spec = files::member_spec(
            m.id,
            m.client_port,
            m.quorum_port,
            m.election_port,
            m.learner_type.into(),
        );
        spec.host = m.host.clone();
        if self.state.static_membership {
            (spec.client_host, spec.client_port) = (None, None);
        }
        spec
    }
}

/// Whether `pid` is a JVM started with this member's zoo.cfg (its last argument).
fn runs_config(pid: u32, conf: &Path) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|raw| {
        raw.split(|&b| b == 0)
            .any(|arg| arg == conf.as_os_str().as_encoded_bytes())
    })
}

fn pid_alive(pid: u32) -> bool {
    if kill(Pid::from_raw(pid as i32), None).is_err() {
        return false;
    }
    // A zombie still accepts signal 0; it is dead for our purposes.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

async fn srvr_mode(addr: &str) -> Option<ServerMode> {
    let text = four_letter_word(addr, "srvr", Duration::from_secs(1), DEFAULT_REPLY_CAP)
        .await
        .ok()?;
    match parse_srvr(&text) {
        Ok(Reply::Ok(s)) => s.mode,
        _ => None,
    }
}
