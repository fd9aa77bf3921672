//! The znode browser's model: one node open at a time (its children listed, paged), the
//! selected child inspected, watches only on those two, edits with the version they expect.

use super::edit_session::{editable_text, EditSession, Stage as EditStage, Step as EditStep};
use super::keys::{KeyCode, KeyInput};
use super::text_input::{Edit, History, TextInput};
use super::{Effect, State, View};
use crate::config::Level;
use crate::tree::node::{
    acl_diff, acl_spec, child_path, lockout, parent_path, parse_acl, AclChange, AclEntry,
    Identities, NodeStat,
};
use std::collections::HashMap;
use std::time::SystemTime;

/// Children whose Stat (child count, size) is fetched at once: the page around the cursor.
pub const PAGE: usize = 40;

#[derive(Debug, Clone, PartialEq)]
pub struct NodeDetail {
    pub stat: NodeStat,
    pub data: Vec<u8>,
    /// The node's ACL, or why it could not be read.
    pub acl: Result<Vec<AclEntry>, String>,
}

/// Which ACL a node the browser creates gets. Never `world:anyone:cdrwa` by itself: by
/// default the parent's, so a protected subtree stays protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclChoice {
    AsParent,
    /// `auth::cdrwa`: only the identity that created it (needs credentials).
    CreatorOnly,
    /// `world:anyone:r`: readable by all, changeable by nobody but the super user.
    WorldRead,
}

impl AclChoice {
    pub const ALL: [AclChoice; 3] = [
        AclChoice::AsParent,
        AclChoice::CreatorOnly,
        AclChoice::WorldRead,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AclChoice::AsParent => "as parent",
            AclChoice::CreatorOnly => "creator only (auth::cdrwa)",
            AclChoice::WorldRead => "world:anyone:r (read-only for all)",
        }
    }
}

/// A node's ACL as read for editing, with who the console is.
#[derive(Debug, Clone, PartialEq)]
pub struct AclInfo {
    pub acl: Vec<AclEntry>,
    /// The ACL version the edit is written against.
    pub aversion: i32,
    pub ours: Identities,
}

/// How fast a watched node changes, while it changes faster than the browser re-reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Churn {
    /// Changes a second (children created/deleted, or data versions).
    pub per_sec: f64,
    /// How often it is re-read meanwhile.
    pub every_ms: u64,
    /// The re-reads are spaced further because the member is strained.
    pub strained: bool,
}

impl Churn {
    /// `changing: 550/s, refreshed every 1 s`.
    pub fn text(&self) -> String {
        let every = if self.every_ms.is_multiple_of(1000) {
            format!("{} s", self.every_ms / 1000)
        } else {
            format!("{:.1} s", self.every_ms as f64 / 1000.0)
        };
        format!(
            "changing: {}/s, refreshed every {every}{}",
            rate_text(self.per_sec),
            if self.strained {
                " (member strained)"
            } else {
                ""
            }
        )
    }
}

/// What the browser asks of the ZooKeeper session.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeRequest {
    /// Children of the open node, with a child watch.
    List {
        path: String,
    },
    /// Data, Stat and ACL of the selected node, with a data watch.
    Inspect {
        path: String,
    },
    /// Stats of some children (the visible page).
    Stats {
        parent: String,
        names: Vec<String>,
    },
    /// Children names for path completion (no watch).
    Names {
        parent: String,
    },
    Create {
        path: String,
        data: Vec<u8>,
        kind: CreateKind,
        acl: AclChoice,
    },
    /// A node's ACL and ACL version (for `A`, and the create box's "as parent").
    ReadAcl {
        path: String,
    },
    /// Replaces a node's ACL if its ACL version is still `aversion`.
    SetAcl {
        path: String,
        acl: Vec<AclEntry>,
        aversion: i32,
    },
    /// A member the console uses breaches a latency or outstanding threshold: watched nodes
    /// are re-read less often while it lasts.
    Pace {
        strained: bool,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    /// How many nodes a recursive delete would remove.
    Count {
        path: String,
    },
    Delete {
        path: String,
        version: i32,
        recursive: bool,
    },
    /// Scan a subtree (pipelined), reporting progress; one at a time.
    Scan {
        path: String,
    },
    CancelScan,
}

impl TreeRequest {
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            TreeRequest::Create { .. }
                | TreeRequest::SetData { .. }
                | TreeRequest::Delete { .. }
                | TreeRequest::SetAcl { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    Persistent,
    Ephemeral,
    PersistentSequential,
    EphemeralSequential,
    Container,
}

impl CreateKind {
    pub const ALL: [CreateKind; 5] = [
        CreateKind::Persistent,
        CreateKind::Ephemeral,
        CreateKind::PersistentSequential,
        CreateKind::EphemeralSequential,
        CreateKind::Container,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CreateKind::Persistent => "persistent",
            CreateKind::Ephemeral => "ephemeral (gone when the console's session ends)",
            CreateKind::PersistentSequential => "persistent sequential",
            CreateKind::EphemeralSequential => "ephemeral sequential",
            CreateKind::Container => "container",
        }
    }
}

/// What the session answered.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeMsg {
    Children {
        path: String,
        result: Result<(Vec<String>, NodeStat), String>,
    },
    Node {
        path: String,
        result: Result<NodeDetail, String>,
    },
    Stats {
        parent: String,
        stats: Vec<(String, Option<NodeStat>)>,
    },
    Names {
        parent: String,
        names: Vec<String>,
    },
    /// A watch fired: re-read what is on screen.
    Changed {
        path: String,
    },
    /// The connection came back (same session): watches may have been lost, re-read.
    Reconnected {
        at: SystemTime,
    },
    /// The session expired or closed; the worker is opening a new one.
    SessionLost {
        reason: String,
        at: SystemTime,
    },
    /// A new session replaced an expired one: everything on screen is read again.
    SessionRenewed {
        at: SystemTime,
    },
    Acl {
        path: String,
        result: Result<AclInfo, String>,
    },
    /// A node the browser created (its real name, with a sequence suffix if any).
    Created {
        path: String,
    },
    /// How fast the open node's children (`data: false`) or the inspected node's data
    /// change; `None` once it is calm again.
    Churn {
        path: String,
        data: bool,
        churn: Option<Churn>,
    },
    Count {
        path: String,
        result: Result<u64, String>,
    },
    Written(Result<String, String>),
    /// A data write was refused because the node is no longer at the version it carried.
    Refused {
        path: String,
    },
    /// The editor closed: the text it left (or why there is none).
    Edited {
        path: String,
        result: Result<String, String>,
    },
    ScanProgress {
        path: String,
        visited: u64,
        elapsed_ms: u64,
    },
    ScanDone {
        path: String,
        result: Result<Box<crate::tree::scan::ScanReport>, String>,
    },
}

/// A subtree scan shown in the browser.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanView {
    pub path: String,
    pub visited: u64,
    pub elapsed_ms: u64,
    pub result: Option<Result<Box<crate::tree::scan::ScanReport>, String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TreeInput {
    None,
    Filter(TextInput),
    /// Jump to a path; tab completes the last segment, up/down browse earlier paths.
    Jump(TextInput),
    Create {
        name: TextInput,
        data: TextInput,
        kind: usize,
        field: usize,
        /// Index into [`AclChoice::ALL`].
        acl: usize,
    },
    /// `A`: the node's ACL as editable text, then a preview of who gains and loses what.
    Acl(AclEdit),
    /// New data for a node: the inline field or the editor, then the diff against the version
    /// the write carries (a change made meanwhile is said, never overwritten).
    Edit(Box<EditSession>),
    /// Recursive delete: the count, then the typed name.
    ConfirmDelete {
        path: String,
        version: i32,
        count: Option<u64>,
        typed: TextInput,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct AclEdit {
    pub path: String,
    pub info: AclInfo,
    pub buf: TextInput,
    /// Set once the text parsed: what it changes, and the confirmation typed so far.
    pub preview: Option<AclPreview>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AclPreview {
    pub after: Vec<AclEntry>,
    pub changes: Vec<AclChange>,
    /// Why the change would lock the console out; then a typed confirmation is needed.
    pub lockout: Option<String>,
    pub typed: TextInput,
}

impl AclEdit {
    /// What must be typed to confirm an edit that locks the console out.
    pub fn confirm_word(&self) -> String {
        format!("lock {}", self.path.rsplit('/').next().unwrap_or(""))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TreeView {
    /// The node whose children are listed.
    pub cwd: String,
    pub cwd_stat: Option<NodeStat>,
    /// Sorted names, or why they could not be read (NoAuth shows here, in place).
    pub children: Option<Result<Vec<String>, String>>,
    pub stats: HashMap<String, NodeStat>,
    pub selected: usize,
    pub filter: String,
    pub detail: Option<(String, Result<NodeDetail, String>)>,
    pub input: TreeInput,
    pub completions: Vec<String>,
    pub scan: Option<ScanView>,
    /// Paths gone to with `p`, for up/down in the path prompt.
    pub jump_history: History,
    /// The open node's ACL (what "as parent" gives a node created here).
    pub cwd_acl: Option<Result<Vec<AclEntry>, String>>,
    /// `A` was pressed on this node: its ACL is being read.
    pub acl_pending: Option<String>,
    /// The open node's children change fast (re-listed at a bounded rate meanwhile).
    pub churn: Option<Churn>,
    /// The inspected node's data changes fast.
    pub data_churn: Option<Churn>,
    /// Why the browser has no session right now (the worker is opening a new one).
    pub session_lost: Option<String>,
    /// What the browser last told the worker about the members' strain.
    pub strained: bool,
    /// First line of the inspected node's data shown (`J`/`K` scroll it).
    pub data_scroll: usize,
}

impl TreeView {
    pub fn new() -> TreeView {
        TreeView {
            cwd: "/".into(),
            cwd_stat: None,
            children: None,
            stats: HashMap::new(),
            selected: 0,
            filter: String::new(),
            detail: None,
            input: TreeInput::None,
            completions: Vec::new(),
            scan: None,
            jump_history: History::default(),
            cwd_acl: None,
            acl_pending: None,
            churn: None,
            data_churn: None,
            session_lost: None,
            strained: false,
            data_scroll: 0,
        }
    }

    /// What the breadcrumb says about a hot node or a lost session.
    pub fn churn_note(&self) -> Option<String> {
        if let Some(why) = &self.session_lost {
            return Some(format!("no session ({why}): reconnecting …"));
        }
        match (&self.churn, &self.data_churn) {
            (Some(c), _) => Some(c.text()),
            (None, Some(c)) => Some(format!("data {}", c.text())),
            (None, None) => None,
        }
    }

    /// Rows the inspected node's ACL takes in the inspector.
    pub fn acl_rows(&self) -> usize {
        match &self.detail {
            Some((_, Ok(d))) => d.acl.as_ref().map_or(1, |a| a.len()),
            _ => 1,
        }
    }

    /// Rows of the inspected node's data as the inspector shows them, `width` wide.
    pub fn data_rows(&self, width: usize) -> usize {
        match &self.detail {
            Some((_, Ok(d))) => data_rows(crate::tree::node::decode(&d.data).0.body(), width).len(),
            _ => 0,
        }
    }

    /// The children shown: filtered by the typed text.
    pub fn visible(&self) -> Vec<&String> {
        match &self.children {
            Some(Ok(names)) => {
                let f = self.filter.to_lowercase();
                names
                    .iter()
                    .filter(|n| f.is_empty() || n.to_lowercase().contains(&f))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn selected_path(&self) -> Option<String> {
        self.visible()
            .get(self.selected)
            .map(|n| child_path(&self.cwd, n))
    }

    fn page_requests(&self) -> Vec<Effect> {
        let visible = self.visible();
        let start = self.selected - self.selected % PAGE;
        let names: Vec<String> = visible
            .iter()
            .skip(start)
            .take(PAGE)
            .filter(|n| !self.stats.contains_key(n.as_str()))
            .map(|n| n.to_string())
            .collect();
        if names.is_empty() {
            return vec![];
        }
        vec![Effect::Tree(TreeRequest::Stats {
            parent: self.cwd.clone(),
            names,
        })]
    }

    /// Changes the filter, keeping the cursor on the same node when it stays visible (so the
    /// cursor, the inspector and the keys that act on "the selected node" agree).
    fn set_filter(&mut self, filter: String) -> Vec<Effect> {
        let keep = self.visible().get(self.selected).map(|n| n.to_string());
        self.filter = filter;
        self.selected = keep
            .and_then(|name| self.visible().iter().position(|n| **n == name))
            .unwrap_or(0);
        let mut fx = self.page_requests();
        fx.extend(self.inspect());
        fx
    }

    /// The inspected node, only when it is the one under the cursor: a write or a delete
    /// must never land on another node than the one the operator sees selected.
    fn selected_detail(&self) -> Option<(&String, &NodeDetail)> {
        match &self.detail {
            Some((path, Ok(d))) if self.target_path().as_ref() == Some(path) => Some((path, d)),
            _ => None,
        }
    }

    /// The node the inspector shows and `E`/`D` act on: the selected child, or the open node
    /// itself when it has no children (a leaf opened shows its own Stat and data).
    pub fn target_path(&self) -> Option<String> {
        let leaf =
            self.filter.is_empty() && matches!(&self.children, Some(Ok(names)) if names.is_empty());
        self.selected_path()
            .or_else(|| leaf.then(|| self.cwd.clone()))
    }

    fn inspect(&self) -> Vec<Effect> {
        self.target_path()
            .map(|path| vec![Effect::Tree(TreeRequest::Inspect { path })])
            .unwrap_or_default()
    }

    fn open(&mut self, path: String) -> Vec<Effect> {
        self.cwd = path.clone();
        self.cwd_stat = None;
        self.children = None;
        self.stats.clear();
        self.selected = 0;
        self.filter.clear();
        self.detail = None;
        self.data_scroll = 0;
        self.cwd_acl = None;
        self.churn = None;
        self.data_churn = None;
        // Opened afresh: the cursor starts at the top (callers that return somewhere set
        // this after opening).
        self.completions.clear();
        vec![Effect::Tree(TreeRequest::List { path })]
    }
}

impl Default for TreeView {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    /// `:tree [PATH]`.
    pub fn open_tree(&mut self, path: Option<&str>) -> Vec<Effect> {
        self.view = View::Tree;
        let t = self.tree.get_or_insert_with(TreeView::new);
        match path {
            Some(p) => t.open(normalise(p)),
            None if t.children.is_none() => {
                let cwd = t.cwd.clone();
                t.open(cwd)
            }
            None => vec![],
        }
    }

    pub(super) fn tree_key(&mut self, key: KeyInput) -> Option<Vec<Effect>> {
        let read_only = self.read_only;
        let t = self.tree.as_mut()?;
        let code = key.code;
        // Text inputs first.
        if t.input != TreeInput::None {
            return Some(self.tree_input_key(key));
        }
        let rows = t.visible().len();
        let moved = |t: &mut TreeView, to: i64| {
            t.selected = to.clamp(0, rows.saturating_sub(1) as i64) as usize;
            let mut fx = t.page_requests();
            fx.extend(t.inspect());
            fx
        };
        let sel = t.selected as i64;
        if code == KeyCode::Char('o') && !key.ctrl && !key.alt {
            // The inspected node's owner session, in the clients view.
            let kind = t
                .selected_detail()
                .map(|(_, d)| crate::tree::node::kind_of(&d.stat));
            return Some(self.clients_of_owner(kind));
        }
        let fx = match code {
            KeyCode::Char('x') if t.scan.as_ref().is_some_and(|s| s.result.is_none()) => {
                vec![Effect::Tree(TreeRequest::CancelScan)]
            }
            KeyCode::Esc if t.scan.is_some() => {
                let running = t.scan.as_ref().is_some_and(|s| s.result.is_none());
                t.scan = None;
                if running {
                    vec![Effect::Tree(TreeRequest::CancelScan)]
                } else {
                    vec![]
                }
            }
            KeyCode::Char('s') => {
                // The selected node's subtree, or the open node's when nothing is selected.
                let path = t.selected_path().unwrap_or_else(|| t.cwd.clone());
                t.scan = Some(ScanView {
                    path: path.clone(),
                    visited: 0,
                    elapsed_ms: 0,
                    result: None,
                });
                vec![Effect::Tree(TreeRequest::Scan { path })]
            }
            KeyCode::Esc => {
                if !t.filter.is_empty() {
                    t.set_filter(String::new())
                } else {
                    self.view = View::Dashboard;
                    vec![]
                }
            }
            KeyCode::Down | KeyCode::Char('j') => moved(t, sel + 1),
            KeyCode::Up | KeyCode::Char('k') => moved(t, sel - 1),
            KeyCode::PageDown => moved(t, sel + PAGE as i64 / 2),
            KeyCode::PageUp => moved(t, sel - PAGE as i64 / 2),
            KeyCode::Home | KeyCode::Char('g') => moved(t, 0),
            KeyCode::End | KeyCode::Char('G') => moved(t, rows as i64),
            KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => match t.selected_path() {
                Some(p) => t.open(p),
                None => vec![],
            },
            KeyCode::Left | KeyCode::Backspace | KeyCode::Char('h') => {
                let here = t.cwd.clone();
                let mut fx = t.open(parent_path(&here));
                // Come back to where we were: select the node we left once listed.
                t.filter.clear();
                t.completions = vec![here];
                fx.truncate(1);
                fx
            }
            // The inspected node's data, when longer than its pane.
            KeyCode::Char('J') => {
                let rows = t.data_rows(inspector_width(self.viewport.width));
                let room = data_room(self.viewport.height, t.acl_rows());
                t.data_scroll = (t.data_scroll + 1).min(last_data_scroll(rows, room));
                vec![]
            }
            KeyCode::Char('K') => {
                t.data_scroll = t.data_scroll.saturating_sub(1);
                vec![]
            }
            KeyCode::Char('/') => {
                t.input = TreeInput::Filter(TextInput::with(t.filter.clone()));
                vec![]
            }
            KeyCode::Char('p') => {
                t.jump_history.reset();
                t.input = TreeInput::Jump(TextInput::with(t.cwd.clone()));
                vec![]
            }
            KeyCode::Char('r') => {
                let cwd = t.cwd.clone();
                let sel = t.selected;
                let mut fx = t.open(cwd);
                t.selected = sel;
                fx.extend(t.inspect());
                fx
            }
            KeyCode::Char('c') if !read_only => {
                t.input = TreeInput::Create {
                    name: TextInput::new(),
                    data: TextInput::new(),
                    kind: 0,
                    field: 0,
                    acl: 0,
                };
                // The box shows the ACL "as parent" gives.
                vec![Effect::Tree(TreeRequest::ReadAcl {
                    path: t.cwd.clone(),
                })]
            }
            KeyCode::Char('A') if !read_only => match t.target_path() {
                Some(path) => {
                    t.acl_pending = Some(path.clone());
                    vec![Effect::Tree(TreeRequest::ReadAcl { path })]
                }
                None => vec![],
            },
            KeyCode::Char('e') if key.ctrl && !read_only => return Some(self.start_edit(true)),
            KeyCode::Char('E') if !read_only => return Some(self.start_edit(false)),
            KeyCode::Char('D') if !read_only => match t.selected_detail() {
                Some((path, d)) if path != "/" && !path.starts_with("/zookeeper") => {
                    let path = path.clone();
                    t.input = TreeInput::ConfirmDelete {
                        path: path.clone(),
                        version: d.stat.version,
                        count: None,
                        typed: TextInput::new(),
                    };
                    vec![Effect::Tree(TreeRequest::Count { path })]
                }
                Some((path, _)) => {
                    self.flash = Some((Level::Warn, format!("{path} cannot be deleted from here")));
                    vec![]
                }
                None => vec![],
            },
            KeyCode::Char('c' | 'E' | 'D') if read_only => {
                self.flash = Some((Level::Warn, super::read_only_refusal(key)));
                vec![]
            }
            KeyCode::Char('e') if key.ctrl && read_only => {
                self.flash = Some((Level::Warn, super::read_only_refusal(key)));
                vec![]
            }
            _ => return None,
        };
        Some(fx)
    }

    /// A key in one of the browser's text inputs (filter, path, create, edit, delete).
    fn tree_input_key(&mut self, key: KeyInput) -> Vec<Effect> {
        let Some(t) = self.tree.as_mut() else {
            return vec![];
        };
        let code = key.code;
        match &mut t.input {
            TreeInput::None => {}
            TreeInput::Filter(buf) => {
                let filter = match code {
                    KeyCode::Esc => String::new(),
                    KeyCode::Enter => {
                        t.input = TreeInput::None;
                        return vec![];
                    }
                    _ if buf.handle(key) == Edit::Changed => buf.value().to_string(),
                    _ => return vec![],
                };
                if code == KeyCode::Esc {
                    t.input = TreeInput::None;
                }
                return t.set_filter(filter);
            }
            TreeInput::Jump(buf) => match code {
                KeyCode::Esc => t.input = TreeInput::None,
                KeyCode::Enter => {
                    let path = normalise(buf.value());
                    t.jump_history.push(&path);
                    t.input = TreeInput::None;
                    return t.open(path);
                }
                KeyCode::Tab => {
                    let parent = parent_path(&normalise(buf.value()));
                    return vec![Effect::Tree(TreeRequest::Names { parent })];
                }
                _ => {
                    if !t.jump_history.browse(key, buf) {
                        buf.handle(key);
                    }
                }
            },
            TreeInput::Create {
                name,
                data,
                kind,
                field,
                acl,
            } => match code {
                KeyCode::Esc => t.input = TreeInput::None,
                KeyCode::Tab | KeyCode::Down => *field = (*field + 1) % 4,
                KeyCode::BackTab | KeyCode::Up => *field = (*field + 3) % 4,
                KeyCode::Char(' ') | KeyCode::Right if *field == 2 => {
                    *kind = (*kind + 1) % CreateKind::ALL.len()
                }
                KeyCode::Left if *field == 2 => {
                    *kind = (*kind + CreateKind::ALL.len() - 1) % CreateKind::ALL.len()
                }
                KeyCode::Char(' ') | KeyCode::Right if *field == 3 => {
                    *acl = (*acl + 1) % AclChoice::ALL.len()
                }
                KeyCode::Left if *field == 3 => {
                    *acl = (*acl + AclChoice::ALL.len() - 1) % AclChoice::ALL.len()
                }
                KeyCode::Enter => {
                    let name = name.value().to_string();
                    let data = data.value().as_bytes().to_vec();
                    let kind = CreateKind::ALL[*kind];
                    let acl = AclChoice::ALL[*acl];
                    t.input = TreeInput::None;
                    if name.is_empty() || name.contains('/') {
                        self.flash =
                            Some((Level::Warn, "a node name is needed, without '/'".into()));
                        return vec![];
                    }
                    return vec![Effect::Tree(TreeRequest::Create {
                        path: child_path(&t.cwd, &name),
                        data,
                        kind,
                        acl,
                    })];
                }
                _ if *field == 0 => {
                    name.handle(key);
                }
                _ if *field == 1 => {
                    data.handle(key);
                }
                _ => {}
            },
            TreeInput::Acl(edit) => {
                let (input, fx, flash) = acl_key(edit.clone(), &key);
                t.input = input;
                if flash.is_some() {
                    self.flash = flash;
                }
                return fx;
            }
            TreeInput::Edit(session) => {
                let step = session.key(key);
                return self.edit_step(step);
            }
            TreeInput::ConfirmDelete {
                path,
                version,
                count,
                typed,
            } => {
                let expected = delete_phrase(path);
                match code {
                    KeyCode::Esc => t.input = TreeInput::None,
                    KeyCode::Enter if count.is_none() => {
                        self.flash = Some((
                            Level::Warn,
                            "still counting the nodes under it: enter again once the count shows"
                                .into(),
                        ));
                    }
                    KeyCode::Enter if typed.value().trim() == expected => {
                        let req = TreeRequest::Delete {
                            path: path.clone(),
                            version: *version,
                            recursive: count.unwrap_or(0) > 0,
                        };
                        t.input = TreeInput::None;
                        return vec![Effect::Tree(req)];
                    }
                    KeyCode::Enter => {
                        self.flash = Some((
                            Level::Warn,
                            format!(
                                "{:?} does not match: type `{expected}` to delete, esc cancels",
                                typed.value()
                            ),
                        ));
                    }
                    _ => {
                        if typed.handle(key) == Edit::Changed {
                            self.flash = None;
                        }
                    }
                }
            }
        }
        vec![]
    }

    /// `E` (`editor`: ctrl-e): edit the selected node's value, at the version read.
    fn start_edit(&mut self, editor: bool) -> Vec<Effect> {
        let Some(t) = self.tree.as_mut() else {
            return vec![];
        };
        let Some((path, d)) = t.selected_detail() else {
            self.flash = Some((Level::Warn, "the selected node is still loading".into()));
            return vec![];
        };
        match editable_text(&d.data) {
            Ok(text) => {
                let (session, step) = EditSession::start(path, d.stat.version, text, editor);
                t.input = TreeInput::Edit(Box::new(session));
                self.edit_step(step)
            }
            Err(why) => {
                self.flash = Some((Level::Warn, why));
                vec![]
            }
        }
    }

    /// Carries out what the edit session asked.
    fn edit_step(&mut self, step: EditStep) -> Vec<Effect> {
        match step {
            EditStep::Stay => vec![],
            EditStep::Close(word) => {
                if let Some(t) = self.tree.as_mut() {
                    t.input = TreeInput::None;
                }
                if word.is_some() {
                    self.flash = word;
                }
                vec![]
            }
            EditStep::Flash(level, text) => {
                self.flash = Some((level, text));
                vec![]
            }
            EditStep::Write(req) => vec![Effect::Tree(req)],
            EditStep::OpenEditor(x) => vec![Effect::Edit(x)],
        }
    }

    /// The edit session open on `path`, if any.
    fn edit_on(&mut self, path: &str) -> Option<&mut EditSession> {
        match self.tree.as_mut().map(|t| &mut t.input) {
            Some(TreeInput::Edit(s)) if s.path == path => Some(s),
            _ => None,
        }
    }

    /// Pasted text goes to the browser's text input in focus.
    pub(super) fn tree_paste(&mut self, text: &str) -> Vec<Effect> {
        let Some(t) = self.tree.as_mut() else {
            return vec![];
        };
        match &mut t.input {
            TreeInput::None => {}
            TreeInput::Filter(buf) => {
                if buf.paste(text) == Edit::Changed {
                    let filter = buf.value().to_string();
                    return t.set_filter(filter);
                }
            }
            TreeInput::Jump(buf) => {
                buf.paste(text);
            }
            TreeInput::Create {
                name, data, field, ..
            } => {
                match field {
                    0 => name.paste(text),
                    1 => data.paste(text),
                    _ => Edit::Ignored,
                };
            }
            TreeInput::Edit(session) => {
                if let EditStage::Inline(buf) = &mut session.stage {
                    buf.paste(text);
                }
            }
            TreeInput::ConfirmDelete { typed, .. } => {
                typed.paste(text);
            }
            TreeInput::Acl(edit) => {
                match &mut edit.preview {
                    Some(p) => p.typed.paste(text.trim()),
                    None => edit.buf.paste(&text.replace(['\n', '\r'], " ")),
                };
            }
        }
        vec![]
    }

    /// A member breaches a latency or outstanding threshold. The session may use any member
    /// (the client does not say which), so any member counts.
    fn members_strained(&self) -> bool {
        use crate::config::Metric;
        self.members.values().any(|m| {
            crate::alerts::breaches(&m.snap, &self.config.thresholds, None)
                .iter()
                .any(|b| matches!(b.metric, Metric::LatencyAvgMs | Metric::Outstanding))
        })
    }

    pub(super) fn on_tree(&mut self, m: TreeMsg) -> Vec<Effect> {
        self.dirty = true;
        let strained = matches!(m, TreeMsg::Children { .. }) && self.members_strained();
        let Some(t) = self.tree.as_mut() else {
            return vec![];
        };
        match m {
            TreeMsg::Children { path, result } if path == t.cwd => {
                // Each listing tells the worker whether to space its re-reads further.
                let mut fx = Vec::new();
                if strained != t.strained {
                    t.strained = strained;
                    fx.push(Effect::Tree(TreeRequest::Pace { strained }));
                }
                let came_from = std::mem::take(&mut t.completions);
                // A re-listing (a watch fired) keeps the cursor on the node it was on, not on
                // whatever now sits at the same row.
                let was_on = t.visible().get(t.selected).map(|n| n.to_string());
                match result {
                    Ok((mut names, stat)) => {
                        names.sort();
                        t.cwd_stat = Some(stat);
                        let target = came_from
                            .first()
                            .map(|prev| prev.rsplit('/').next().unwrap_or("").to_string())
                            .or(was_on);
                        t.children = Some(Ok(names));
                        if let Some(name) = target {
                            if let Some(i) = t.visible().iter().position(|n| **n == name) {
                                t.selected = i;
                            }
                        }
                        t.selected = t.selected.min(t.visible().len().saturating_sub(1));
                    }
                    Err(e) => t.children = Some(Err(e)),
                }
                fx.extend(t.page_requests());
                // A re-listing of a busy node must not re-read the inspected node each time:
                // its own data watch keeps it current.
                let shown = t.detail.as_ref().map(|(p, _)| p.clone());
                if shown.is_none() || shown != t.target_path() {
                    fx.extend(t.inspect());
                }
                fx
            }
            TreeMsg::Children { .. } => vec![],
            TreeMsg::Acl { path, result } => {
                if matches!(t.input, TreeInput::Create { .. }) && path == t.cwd {
                    t.cwd_acl = Some(result.map(|i| i.acl));
                } else if t.acl_pending.as_deref() == Some(path.as_str()) {
                    t.acl_pending = None;
                    match result {
                        Ok(info) if t.input == TreeInput::None => {
                            t.input = TreeInput::Acl(AclEdit {
                                buf: TextInput::with(acl_spec(&info.acl)),
                                path,
                                info,
                                preview: None,
                            })
                        }
                        Ok(_) => {}
                        Err(e) => self.flash = Some((Level::Critical, e)),
                    }
                }
                vec![]
            }
            TreeMsg::Created { path } => {
                // The next listing puts the cursor on it (as going up selects where we were).
                if parent_path(&path) == t.cwd {
                    t.filter.clear();
                    t.completions = vec![path];
                }
                vec![]
            }
            TreeMsg::Churn { path, data, churn } => {
                if !data && path == t.cwd {
                    t.churn = churn;
                } else if data && t.target_path().as_deref() == Some(path.as_str()) {
                    t.data_churn = churn;
                }
                vec![]
            }
            TreeMsg::SessionLost { reason, at } => {
                self.events.push(
                    at,
                    Level::Warn,
                    format!("znode browser: {reason}; opening a new session"),
                );
                t.session_lost = Some(reason);
                vec![]
            }
            TreeMsg::SessionRenewed { at } => {
                self.events.push(
                    at,
                    Level::Ok,
                    "znode browser: reconnected with a new session".into(),
                );
                self.flash = Some((Level::Ok, "znode browser reconnected".into()));
                t.session_lost = None;
                // Reload where it was: the open node, the cursor's node, watches re-armed.
                let cwd = t.cwd.clone();
                let sel = t.selected;
                let was_on = t.visible().get(sel).map(|n| child_path(&cwd, n));
                let mut fx = t.open(cwd);
                t.completions = was_on.into_iter().collect();
                fx.truncate(1);
                fx
            }
            TreeMsg::Node { path, result } => {
                // The edit box warns as soon as its node moves on.
                if let TreeInput::Edit(session) = &mut t.input {
                    if session.path == path {
                        let read = match &result {
                            Ok(d) => Ok((d.stat.version, d.data.as_slice())),
                            Err(e) => Err(e.clone()),
                        };
                        session.node_read(read);
                    }
                }
                if t.target_path().as_deref() == Some(&path) {
                    if let (Ok(d), true) = (&result, path != t.cwd) {
                        if let Some(name) = path.rsplit('/').next() {
                            t.stats.insert(name.to_string(), d.stat);
                        }
                    }
                    // Another node: its data starts at its first line.
                    if t.detail.as_ref().map(|(p, _)| p) != Some(&path) {
                        t.data_scroll = 0;
                    }
                    t.detail = Some((path, result));
                }
                vec![]
            }
            TreeMsg::Stats { parent, stats } => {
                if parent == t.cwd {
                    for (name, s) in stats {
                        if let Some(s) = s {
                            t.stats.insert(name, s);
                        }
                    }
                }
                vec![]
            }
            TreeMsg::Names { parent, mut names } => {
                if let TreeInput::Jump(buf) = &t.input {
                    let typed = normalise(buf.value());
                    let stem = if typed.ends_with('/') {
                        ""
                    } else {
                        typed.rsplit('/').next().unwrap_or("")
                    };
                    names.sort();
                    let matches: Vec<&String> =
                        names.iter().filter(|n| n.starts_with(stem)).collect();
                    if let Some(first) = matches.first() {
                        let common = matches.iter().fold(first.to_string(), |acc, n| {
                            acc.chars()
                                .zip(n.chars())
                                .take_while(|(a, b)| a == b)
                                .map(|(a, _)| a)
                                .collect()
                        });
                        let mut completed = child_path(&parent, &common);
                        if matches.len() == 1 {
                            completed.push('/');
                        }
                        t.input = TreeInput::Jump(TextInput::with(completed));
                    }
                    t.completions = matches.into_iter().take(20).cloned().collect();
                }
                vec![]
            }
            TreeMsg::Changed { path } => {
                if path == t.cwd {
                    vec![Effect::Tree(TreeRequest::List { path })]
                } else if t.target_path().as_deref() == Some(&path) {
                    vec![Effect::Tree(TreeRequest::Inspect { path })]
                } else {
                    vec![]
                }
            }
            TreeMsg::Reconnected { at } => {
                self.events.push(
                    at,
                    Level::Ok,
                    "znode browser: connection restored (same session)".into(),
                );
                let mut fx = vec![Effect::Tree(TreeRequest::List {
                    path: t.cwd.clone(),
                })];
                fx.extend(t.inspect());
                fx
            }
            TreeMsg::Count { path, result } => {
                match (&mut t.input, result) {
                    (TreeInput::ConfirmDelete { path: p, count, .. }, Ok(n)) if *p == path => {
                        *count = Some(n)
                    }
                    (_, Err(e)) => {
                        t.input = TreeInput::None;
                        self.flash = Some((Level::Critical, e));
                    }
                    _ => {}
                }
                vec![]
            }
            TreeMsg::ScanProgress {
                path,
                visited,
                elapsed_ms,
            } => {
                if let Some(s) = t
                    .scan
                    .as_mut()
                    .filter(|s| s.path == path && s.result.is_none())
                {
                    s.visited = visited;
                    s.elapsed_ms = elapsed_ms;
                }
                vec![]
            }
            TreeMsg::ScanDone { path, result } => {
                if let Some(s) = t.scan.as_mut().filter(|s| s.path == path) {
                    if let Ok(r) = &result {
                        s.visited = r.znodes;
                        s.elapsed_ms = r.elapsed_ms;
                    }
                    s.result = Some(result);
                }
                vec![]
            }
            TreeMsg::Refused { path } => {
                let inspected = t.target_path().as_deref() == Some(path.as_str());
                match self.edit_on(&path) {
                    Some(session) => {
                        session.write_refused();
                        // The newer version, to re-apply on (the watch may be behind).
                        if inspected {
                            return vec![Effect::Tree(TreeRequest::Inspect { path })];
                        }
                        vec![]
                    }
                    None => vec![],
                }
            }
            TreeMsg::Edited { path, result } => match self.edit_on(&path) {
                Some(session) => {
                    let step = session.edited(result);
                    self.edit_step(step)
                }
                None => vec![],
            },
            TreeMsg::Written(r) => {
                if let TreeInput::Edit(session) = &mut t.input {
                    if let EditStep::Close(_) = session.written(r.is_ok()) {
                        t.input = TreeInput::None;
                    }
                }
                self.flash = Some(match r {
                    Ok(s) => (Level::Ok, s),
                    Err(e) => (Level::Critical, e),
                });
                let mut fx = vec![Effect::Tree(TreeRequest::List {
                    path: t.cwd.clone(),
                })];
                fx.extend(t.inspect());
                fx
            }
        }
    }
}

/// The inspector's inner width in a terminal `width` wide (it takes 55% of it, in a border).
pub fn inspector_width(width: u16) -> usize {
    (width as usize * 55 / 100).saturating_sub(2).max(8)
}

/// Rows the inspector gives the data in a terminal `height` rows high, with no box open:
/// the body (less header and footer), the breadcrumb, the border, the key hints (3 rows at
/// 80 columns), kind/version/size/children, the ACL and the data's own header. The
/// renderer measures the same; this bounds `J` so that no offset piles up past the end.
pub fn data_room(height: u16, acl_rows: usize) -> usize {
    let (_, body) = super::viewport::Viewport { width: 0, height }.body();
    (body as usize).saturating_sub(1 + 2 + 3 + 4 + acl_rows + 1)
}

/// The last useful offset into `rows` data rows shown in `room` rows (scrolled, the first
/// row says what is above).
pub fn last_data_scroll(rows: usize, room: usize) -> usize {
    if rows <= room {
        0
    } else {
        rows + 1 - room.max(2)
    }
}

/// The data as rows of at most `width` chars: each line, hard-wrapped (a 1 MB single-line
/// value scrolls like a long text).
pub fn data_rows(body: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in body.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            out.push(String::new());
        }
        out.extend(chars.chunks(width).map(|c| c.iter().collect::<String>()));
    }
    out
}

/// What the operator types to confirm deleting `path`.
pub fn delete_phrase(path: &str) -> String {
    format!("delete {}", path.rsplit('/').next().unwrap_or(""))
}

fn rate_text(per_sec: f64) -> String {
    if per_sec >= 10.0 {
        format!("{per_sec:.0}")
    } else {
        format!("{per_sec:.1}")
    }
}

/// Keys of the ACL editor: edit the text, enter previews, enter again writes (after typing
/// the confirmation word when the change would lock the console out). Returns the input
/// that stays open, the effects and a message for the operator.
fn acl_key(mut edit: AclEdit, key: &KeyInput) -> (TreeInput, Vec<Effect>, Option<(Level, String)>) {
    let keep = |e: AclEdit| TreeInput::Acl(e);
    let word = edit.confirm_word();
    match (&mut edit.preview, key.code) {
        (_, KeyCode::Esc) => (TreeInput::None, vec![], None),
        (None, KeyCode::Enter) => match parse_acl(edit.buf.value()) {
            Err(e) => (keep(edit), vec![], Some((Level::Warn, e))),
            Ok(after) => {
                let changes = acl_diff(&edit.info.acl, &after);
                if changes.is_empty() {
                    return (keep(edit), vec![], Some((Level::Warn, "no change".into())));
                }
                let lockout = lockout(&edit.info.ours, &edit.info.acl, &after);
                edit.preview = Some(AclPreview {
                    after,
                    changes,
                    lockout,
                    typed: TextInput::new(),
                });
                (keep(edit), vec![], None)
            }
        },
        (None, _) => {
            edit.buf.handle(*key);
            (keep(edit), vec![], None)
        }
        (Some(p), KeyCode::Enter) => {
            if p.lockout.is_some() && p.typed.value().trim() != word {
                let why = format!(
                    "`{}` does not match `{word}`: nothing was written",
                    p.typed.value()
                );
                return (keep(edit), vec![], Some((Level::Warn, why)));
            }
            let req = TreeRequest::SetAcl {
                path: edit.path.clone(),
                acl: p.after.clone(),
                aversion: edit.info.aversion,
            };
            (TreeInput::None, vec![Effect::Tree(req)], None)
        }
        // Back from the preview to the text.
        (Some(p), KeyCode::Backspace) if p.typed.is_empty() => {
            edit.preview = None;
            (keep(edit), vec![], None)
        }
        (Some(p), _) if p.lockout.is_some() => {
            p.typed.handle(*key);
            (keep(edit), vec![], None)
        }
        _ => (keep(edit), vec![], None),
    }
}

/// `a/b/` → `/a/b`.
pub fn normalise(p: &str) -> String {
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::node::{ALL, READ};

    fn edit(acl: Vec<AclEntry>, digest: Option<&str>) -> AclEdit {
        AclEdit {
            path: "/app/node".into(),
            buf: TextInput::with(acl_spec(&acl)),
            info: AclInfo {
                acl,
                aversion: 4,
                ours: Identities::new(digest.map(str::to_string)),
            },
            preview: None,
        }
    }

    fn keys(mut e: AclEdit, typed: &str) -> (TreeInput, Vec<Effect>, Option<(Level, String)>) {
        let mut out = (TreeInput::Acl(e.clone()), vec![], None);
        for c in typed.chars() {
            let k = match c {
                '\n' => KeyInput::plain(KeyCode::Enter),
                '\u{8}' => KeyInput::plain(KeyCode::Backspace),
                '\u{15}' => KeyInput {
                    code: KeyCode::Char('u'),
                    ctrl: true,
                    alt: false,
                },
                c => KeyInput::ch(c),
            };
            out = acl_key(e.clone(), &k);
            match &out.0 {
                TreeInput::Acl(next) => e = next.clone(),
                _ => return out,
            }
        }
        out
    }

    #[test]
    fn an_acl_edit_is_written_at_the_aversion_read_after_a_preview() {
        let e = edit(vec![AclEntry::new("world", "anyone", ALL)], None);
        let (input, fx, _) = keys(e, "\u{15}world:anyone:cdrwa, ip:10.0.0.1:r\n");
        let TreeInput::Acl(previewed) = input else {
            panic!("the preview closed")
        };
        let p = previewed.preview.clone().unwrap();
        assert!(fx.is_empty(), "written before confirming");
        assert_eq!(p.lockout, None);
        assert_eq!(
            p.changes.iter().map(AclChange::text).collect::<Vec<_>>(),
            vec!["ip:10.0.0.1 gains r (new entry)"]
        );
        let (input, fx, _) = keys(previewed, "\n");
        assert_eq!(input, TreeInput::None);
        assert_eq!(
            fx,
            vec![Effect::Tree(TreeRequest::SetAcl {
                path: "/app/node".into(),
                acl: vec![
                    AclEntry::new("world", "anyone", ALL),
                    AclEntry::new("ip", "10.0.0.1", READ)
                ],
                aversion: 4,
            })]
        );
        assert!(TreeRequest::SetAcl {
            path: "/".into(),
            acl: vec![],
            aversion: 0
        }
        .is_write());
    }

    #[test]
    fn a_lock_out_needs_the_typed_word_and_bad_text_is_explained() {
        let e = edit(
            vec![AclEntry::new("digest", "alice:h=", ALL)],
            Some("alice:h="),
        );
        let (input, fx, flash) = keys(e.clone(), "\u{15}world:anyone:z\n");
        assert!(matches!(input, TreeInput::Acl(ref a) if a.preview.is_none()));
        assert!(fx.is_empty());
        assert!(flash.unwrap().1.contains("not one of c d r w a"));
        let (_, fx, flash) = keys(e.clone(), "\u{15}world:anyone:r\nlock nod\n");
        assert!(fx.is_empty(), "a lock-out written without the word");
        assert!(flash.unwrap().1.contains("does not match `lock node`"));
        let (input, fx, _) = keys(e.clone(), "\u{15}world:anyone:r\nlock node\n");
        assert_eq!(input, TreeInput::None);
        assert_eq!(fx.len(), 1);
        // Keeping ADMIN for ourselves needs no word.
        let (_, fx, _) = keys(e, "\u{15}digest:alice:h=:ra\n\n");
        assert_eq!(fx.len(), 1);
    }
}
