//! The wire protocol between treeward processes: a client (the command line,
//! a terminal UI) and the process that holds a store (`treeward serve`, an
//! open terminal UI, a long command).
//!
//! Every message is a frame: a `u32` big-endian length, then that many bytes
//! of bincode 2 (serde, standard config). A frame longer than [`MAX_FRAME`] is
//! refused before anything is allocated; a payload is decoded with the same
//! limit and must be consumed to its last byte.
//!
//! A connection starts with one [`Hello`] each way (client first). `Hello`'s
//! layout is frozen for all versions so that two builds speaking different
//! protocol versions can still tell each other so: a mismatch is refused with
//! a clear message on both ends. Then the client sends [`ClientMsg`]s, each
//! with a request id, and the server answers each with a
//! [`ServerMsg::Reply`] carrying that id; after a `Subscribe`, the server also
//! sends [`ServerMsg::Event`]s whenever a change is committed.
//!
//! A command is the app layer's own [`Request`](crate::app::Request)
//! ([`ClientReq::Call`]); its [`Reply`](crate::app::Reply) comes back as JSON
//! text ([`Answer::Reply`]): the views a reply holds are shaped for scripts'
//! JSON (optional fields left out, tagged reasons), which bincode, not being
//! self-describing, cannot read back.

use std::io::{self, Read, Write};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::app::{Reply, Request};
use crate::domain::AuditEntry;

/// Bumped whenever a message below changes shape.
pub const PROTOCOL_VERSION: u32 = 4;
/// The largest frame either end accepts (an export of a big store fits).
pub const MAX_FRAME: usize = 16 << 20;
/// The first bytes of every `Hello`: not a treeward peer otherwise.
pub const MAGIC: [u8; 8] = *b"treeward";

/// The handshake, both ways. Frozen: never add, remove or reorder fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    pub magic: [u8; 8],
    pub version: u32,
    /// Client: who it is (for logs). Server: `ok` and the login the
    /// connection acts as, or why it is refused.
    pub text: String,
    /// Server: true when the connection is accepted.
    pub ok: bool,
}

impl Hello {
    pub fn new(text: impl Into<String>, ok: bool) -> Hello {
        Hello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            text: text.into(),
            ok,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientMsg {
    pub id: u64,
    pub req: ClientReq,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ClientReq {
    /// One request of the app layer, as the command line would run it.
    Call(Call),
    /// From now on, push every committed change on this connection.
    Subscribe,
    Ping,
    /// Run a terminal UI for this connection's user in the server; the
    /// connection then carries [`ClientReq::TuiInput`]s (no replies) one way and
    /// [`ServerMsg::Screen`] bytes the other, until [`ServerMsg::TuiEnded`].
    Tui(TuiReq),
    /// A key, mouse, paste or resize for the connection's terminal UI.
    TuiInput(WireInput),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TuiReq {
    pub cols: u16,
    pub rows: u16,
    pub as_: Option<String>,
    /// `--theme NAME`: a built-in theme's name.
    pub theme: Option<String>,
    /// `--theme FILE`: the file's text, read by the client.
    pub theme_toml: Option<String>,
    pub no_color: bool,
    pub ascii: bool,
    /// The client's key configuration (keys.toml), if any.
    pub keys: Option<String>,
}

/// The terminal UI's input events (`tui::keys::Input`) on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum WireInput {
    Key {
        code: WireKey,
        ctrl: bool,
        alt: bool,
    },
    Click {
        col: u16,
        row: u16,
    },
    ScrollUp {
        col: u16,
        row: u16,
    },
    ScrollDown {
        col: u16,
        row: u16,
    },
    Resize(u16, u16),
    Paste(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum WireKey {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    Delete,
    F(u8),
}

/// One request, and whom it acts as. Files named on the command line are
/// read and written by the client (an import's text travels in the request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub request: Request,
    /// `--as` (or `$TREEWARD_USER`): only the connection's own login, or
    /// anyone for the holder's service account.
    pub as_: Option<String>,
    /// How long the client waits for the answer, in milliseconds (its
    /// deadline, `crate::deadline`): the holder answers within it and
    /// begins no change after it. `None`: the holder's own time.
    pub within_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ServerMsg {
    Reply {
        id: u64,
        reply: Answer,
    },
    Event(Event),
    /// Terminal output of the connection's terminal UI, to write as it is.
    Screen(Vec<u8>),
    /// The terminal UI ended (quit, or the reason it could not go on).
    TuiEnded(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Answer {
    /// The app's reply to a [`Call`], as JSON text.
    Reply(String),
    /// A failed request: the exit code of SPEC §10 (70: internal error) and
    /// the one-line message after the outcome label.
    Failed {
        code: i32,
        message: String,
    },
    /// The holder is stopping and did nothing with the request: ask again
    /// (another process may hold the store by then).
    Retry(String),
    /// Subscribed: events follow, starting after this audit seq.
    Subscribed {
        after_seq: u64,
    },
    Pong,
    /// The terminal UI runs; `Screen` messages follow.
    TuiStarted,
}

impl Answer {
    /// A reply for the wire.
    pub fn of(r: &crate::domain::Result<Reply>) -> Answer {
        match r {
            Ok(reply) => match serde_json::to_string(reply) {
                Ok(j) => Answer::Reply(j),
                Err(e) => Answer::Failed {
                    code: 70,
                    message: format!("internal error: cannot encode the reply: {e}"),
                },
            },
            Err(e) => Answer::Failed {
                code: e.outcome.exit_code(),
                message: e.message.clone(),
            },
        }
    }
}

/// A failure told by the other end, as the embedded mode would report it.
pub fn failure(code: i32, message: String) -> crate::domain::Error {
    use crate::domain::Outcome;
    let outcome = match code {
        2 => Outcome::Invalid,
        3 => Outcome::Denied,
        4 => Outcome::NotFound,
        5 => Outcome::Conflict,
        _ => Outcome::Unavailable,
    };
    crate::domain::Error::new(outcome, message)
}

/// One committed change, as far as the subscriber may learn of it (R35):
/// `entry` for the log's readers and the change's own actor; else `changed`,
/// the path now of an item they can view that changed; else only the fact
/// and its seq.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub entry: Option<AuditEntry>,
    pub changed: Option<String>,
}

impl Event {
    /// The event of a change as one reader may learn of it.
    pub fn of(seq: u64, sighted: crate::app::reads::Sighted) -> Event {
        use crate::app::reads::Sighted;
        let (entry, changed) = match sighted {
            Sighted::Entry(e) => (Some(e), None),
            Sighted::Changed { path } => (None, Some(path)),
            Sighted::Nothing => (None, None),
        };
        Event {
            seq,
            entry,
            changed,
        }
    }
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_FRAME>()
}

/// Why a peer's bytes were refused.
#[derive(Debug)]
pub enum FrameError {
    /// The connection ended cleanly between frames.
    Closed,
    Io(io::Error),
    /// Ended in the middle of a frame.
    Truncated {
        got: usize,
        want: usize,
    },
    TooLarge(u64),
    Malformed(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Closed => write!(f, "connection closed"),
            FrameError::Io(e) if is_timeout(e) => write!(f, "timed out"),
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::Truncated { got, want } => {
                write!(f, "truncated frame ({got} of {want} bytes)")
            }
            FrameError::TooLarge(n) => write!(
                f,
                "a frame announces {n} bytes, more than the limit of {MAX_FRAME}"
            ),
            FrameError::Malformed(m) => write!(f, "malformed frame: {m}"),
        }
    }
}

pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

pub fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, FrameError> {
    let body = bincode::serde::encode_to_vec(v, config())
        .map_err(|e| FrameError::Malformed(format!("cannot encode: {e}")))?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLarge(body.len() as u64));
    }
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    match bincode::serde::decode_from_slice::<T, _>(body, config()) {
        Ok((v, used)) if used == body.len() => Ok(v),
        Ok((_, used)) => Err(FrameError::Malformed(format!(
            "{} trailing bytes",
            body.len() - used
        ))),
        Err(e) => Err(FrameError::Malformed(e.to_string())),
    }
}

pub fn write_msg<T: Serialize>(w: &mut impl Write, v: &T) -> Result<(), FrameError> {
    let bytes = encode(v)?;
    w.write_all(&bytes)
        .and_then(|_| w.flush())
        .map_err(FrameError::Io)
}

/// Reads one frame's payload. Before its first byte the reader's own timeout
/// applies; `body_timeout` is called once the frame has started, so that a
/// peer that stops in the middle of a frame is dropped promptly.
pub fn read_frame(
    r: &mut impl Read,
    mut body_started: impl FnMut(),
) -> Result<Vec<u8>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Truncated { got, want: 4 }),
            Ok(n) => {
                if got == 0 {
                    body_started();
                }
                got += n;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    let want = u32::from_be_bytes(len) as u64;
    if want > MAX_FRAME as u64 {
        return Err(FrameError::TooLarge(want));
    }
    let want = want as usize;
    let mut body = vec![0u8; want];
    let mut got = 0;
    while got < want {
        match r.read(&mut body[got..]) {
            Ok(0) => return Err(FrameError::Truncated { got, want }),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(body)
}

pub fn read_msg<T: DeserializeOwned>(
    r: &mut impl Read,
    body_started: impl FnMut(),
) -> Result<T, FrameError> {
    decode(&read_frame(r, body_started)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_roundtrip_and_refusals() {
        let m = ClientMsg {
            id: 7,
            req: ClientReq::Call(Call {
                request: Request::Mkdir {
                    path: "/DW/team/X".into(),
                },
                as_: None,
                within_ms: Some(30_000),
            }),
        };
        let b = encode(&m).unwrap();
        let back: ClientMsg = read_msg(&mut &b[..], || {}).unwrap();
        assert_eq!(back.id, 7);
        // 4 GiB announced: refused before allocating.
        let huge = [0xffu8, 0xff, 0xff, 0xff, 0];
        assert!(matches!(
            read_frame(&mut &huge[..], || {}),
            Err(FrameError::TooLarge(_))
        ));
        // Cut in the middle.
        assert!(matches!(
            read_frame(&mut &b[..b.len() - 2], || {}),
            Err(FrameError::Truncated { .. })
        ));
        // Trailing bytes inside a frame.
        let mut body = b[4..].to_vec();
        body.push(0);
        assert!(decode::<ClientMsg>(&body).is_err());
        // Nothing at all: a clean close.
        assert!(matches!(
            read_frame(&mut &[][..], || {}),
            Err(FrameError::Closed)
        ));
    }

    use crate::app::request::{GenSpec, Placed};
    use crate::app::{App, Caller};
    use crate::domain::{ItemKind, Role};

    /// The store's own requests: set-up, import and export, doctor, backup.
    fn store_requests() -> Vec<Request> {
        let s = String::from;
        vec![
            Request::Init { owner: s("root") },
            Request::Import { text: s("{}") },
            Request::Demo,
            Request::Gen(GenSpec {
                items: 10,
                users: 3,
                groups: 1,
                org_depth: 1,
                depth: 2,
                grants: 2,
                wide: 0,
                seed: 7,
            }),
            Request::Export,
            Request::Doctor {
                repair: true,
                backup: Some("/tmp/b".into()),
            },
            Request::Backup {
                dir: "/tmp/b".into(),
                force: true,
            },
            Request::ClearIncomplete,
            Request::CopyIn {
                text: s("{}"),
                from: s("/srv/tw"),
            },
        ]
    }

    /// People, groups, org units, tenants, workspaces and roles.
    fn account_requests() -> Vec<Request> {
        let s = String::from;
        vec![
            Request::UserRm {
                login: s("zed"),
                transfer_to: Some(s("bob")),
            },
            Request::UserAdd {
                login: s("zed"),
                name: Some(s("Zed")),
                tenant: None,
            },
            Request::UserLs,
            Request::GroupAdd { group: s("g") },
            Request::GroupRm { group: s("g") },
            Request::GroupJoin {
                group: s("g"),
                login: s("bob"),
            },
            Request::GroupLeave {
                group: s("g"),
                login: s("bob"),
            },
            Request::GroupLs,
            Request::OrgAdd {
                unit: s("u"),
                parent: Some(s("company")),
            },
            Request::OrgRm { unit: s("u") },
            Request::OrgJoin {
                unit: s("u"),
                login: s("bob"),
            },
            Request::OrgLeave {
                unit: s("u"),
                login: s("bob"),
            },
            Request::OrgLs,
            Request::TenantAdd { tenant: s("t") },
            Request::TenantLs,
            Request::WsAdd { name: s("W") },
            Request::WsRename {
                name: s("W"),
                new: s("V"),
            },
            Request::WsRm { name: s("V") },
            Request::WsLs,
            Request::RoleGrant {
                ws: s("Default Workspace"),
                login: s("bob"),
                roles: vec![Role::Analyst, Role::Sysadmin],
            },
            Request::RoleRevoke {
                ws: s("Default Workspace"),
                login: s("bob"),
                roles: vec![Role::Analyst],
                transfer_to: Some(s("alice")),
            },
            Request::RoleLs {
                ws: s("Default Workspace"),
            },
        ]
    }

    /// Items, assets, grants, resources and integrations, and changes files.
    fn item_requests() -> Vec<Request> {
        let p = |s: &str| format!("/Default Workspace/team/{s}");
        let s = String::from;
        vec![
            Request::Mkdir { path: p("X") },
            Request::App { path: p("X/A") },
            Request::AssetAdd {
                app_path: p("X/A"),
                kind: s("dashboard"),
                name: s("D"),
            },
            Request::AssetRm {
                asset_path: p("X/A:dashboard/D"),
            },
            Request::Mv {
                path: p("X/A"),
                dest: p(""),
            },
            Request::Rename {
                path: p("A"),
                new_name: s("B"),
            },
            Request::Rm { path: p("B") },
            Request::Cp {
                path: p("Plant/Line1/OEE"),
                dest: None,
            },
            Request::Describe {
                path: p("X"),
                text: s("why"),
            },
            Request::Share {
                path: p("X"),
                subject: s("group:qa"),
                level: s("viewer"),
                note: s("n"),
            },
            Request::Unshare {
                path: p("X"),
                subject: s("group:qa"),
            },
            Request::Leave { path: p("X") },
            Request::ResourceLs {
                ws: s("Default Workspace"),
            },
            Request::ResourceSet {
                ws: s("Default Workspace"),
                kind: s("influxdb"),
                endpoint: s("https://i"),
            },
            Request::ResourceRestrict {
                app_path: p("X"),
                kind: s("influxdb"),
                restrict: true,
            },
            Request::IntegAdd {
                ws: s("Default Workspace"),
                name: s("i"),
                kind: s("mqtt"),
                endpoint: s("mqtt://e"),
                settings: s(""),
            },
            Request::IntegRm {
                ws: s("Default Workspace"),
                name: s("i"),
            },
            Request::IntegEdit {
                ws: s("Default Workspace"),
                name: s("i"),
                endpoint: None,
                settings: Some(s("x")),
            },
            Request::IntegLs {
                ws: s("Default Workspace"),
            },
            Request::IntegAttach {
                app_path: p("X"),
                name: s("i"),
                attach: false,
            },
            Request::Apply {
                entries: vec![crate::app::apply::Entry {
                    line: 1,
                    change: crate::app::apply::Change::Mkdir { path: p("Applied") },
                }],
            },
            Request::AssetRename {
                asset_path: p("X/A:dashboard/D"),
                new_name: s("E"),
            },
            Request::Activity { path: p("X") },
        ]
    }

    /// What is read: listings, checks, who, access, the log, what-if.
    fn view_requests() -> Vec<Request> {
        let p = |s: &str| format!("/Default Workspace/team/{s}");
        let s = String::from;
        vec![
            Request::Ls { path: None },
            Request::Tree { path: Some(p("")) },
            Request::Detail { path: p("Plant") },
            Request::Check {
                login: s("bob"),
                action: s("move"),
                path: p("Plant"),
                to: Some(p("")),
            },
            Request::Explain {
                login: s("bob"),
                path: p("Plant"),
            },
            Request::Who {
                path: p("Plant"),
                level: Some(s("editor")),
                via: None,
            },
            Request::Access {
                login: s("bob"),
                workspace: None,
            },
            Request::Log {
                workspace: Some(s("Default Workspace")),
                filter: crate::app::audit::LogFilter {
                    since: Some(1),
                    actor: Some(s("bob")),
                    path: Some(p("Plant")),
                    ..Default::default()
                },
            },
            Request::GrantsLs {
                path: Some(p("Plant")),
                subject: Some(s("group:qa")),
                recursive: true,
            },
            Request::WhatIf(Box::new(Request::Rm { path: p("X") })),
            Request::Entitlements {
                login: s("bob"),
                workspace: None,
                after: None,
                limit: 10,
            },
            Request::WhoBelow {
                path: p("Plant"),
                level: None,
                via: None,
                after: Some(crate::app::entitlements::Cursor {
                    space: Some(crate::domain::SpaceRef::team(1)),
                    ids: vec![3, 4],
                }),
                limit: 10,
            },
        ]
    }

    /// One of every request (the match below fails to build when a variant is added).
    fn every_request() -> Vec<Request> {
        let reqs: Vec<Request> = [
            store_requests(),
            account_requests(),
            item_requests(),
            view_requests(),
        ]
        .concat();
        let mut seen = std::collections::BTreeSet::new();
        for r in &reqs {
            seen.insert(request_index(r));
        }
        assert_eq!(seen.len(), REQUEST_VARIANTS, "one of every request variant");
        reqs
    }

    const REQUEST_VARIANTS: usize = 66;

    fn request_index(r: &Request) -> usize {
        use Request::*;
        match r {
            Init { .. } => 0,
            Import { .. } => 1,
            Demo => 2,
            Gen(_) => 3,
            Export => 4,
            Doctor { .. } => 5,
            Backup { .. } => 6,
            UserAdd { .. } => 7,
            UserLs => 8,
            GroupAdd { .. } => 9,
            GroupRm { .. } => 10,
            GroupJoin { .. } => 11,
            GroupLeave { .. } => 12,
            GroupLs => 13,
            OrgAdd { .. } => 14,
            OrgRm { .. } => 15,
            OrgJoin { .. } => 16,
            OrgLeave { .. } => 17,
            OrgLs => 18,
            TenantAdd { .. } => 19,
            TenantLs => 20,
            WsAdd { .. } => 21,
            WsRename { .. } => 22,
            WsRm { .. } => 23,
            WsLs => 24,
            RoleGrant { .. } => 25,
            RoleRevoke { .. } => 26,
            RoleLs { .. } => 27,
            Mkdir { .. } => 28,
            App { .. } => 29,
            AssetAdd { .. } => 30,
            AssetRm { .. } => 31,
            Mv { .. } => 32,
            Rename { .. } => 33,
            Rm { .. } => 34,
            Cp { .. } => 35,
            Describe { .. } => 36,
            Share { .. } => 37,
            Unshare { .. } => 38,
            Leave { .. } => 39,
            ResourceLs { .. } => 40,
            ResourceSet { .. } => 41,
            ResourceRestrict { .. } => 42,
            IntegAdd { .. } => 43,
            IntegRm { .. } => 44,
            IntegEdit { .. } => 45,
            IntegLs { .. } => 46,
            IntegAttach { .. } => 47,
            Ls { .. } => 48,
            Tree { .. } => 49,
            Detail { .. } => 50,
            Check { .. } => 51,
            Explain { .. } => 52,
            Who { .. } => 53,
            Access { .. } => 54,
            Log { .. } => 55,
            WhatIf(_) => 56,
            GrantsLs { .. } => 57,
            UserRm { .. } => 58,
            Apply { .. } => 59,
            Entitlements { .. } => 60,
            WhoBelow { .. } => 61,
            AssetRename { .. } => 62,
            Activity { .. } => 63,
            ClearIncomplete => 64,
            CopyIn { .. } => 65,
        }
    }

    #[test]
    fn every_request_round_trips_through_a_frame() {
        let reqs = every_request();
        assert_eq!(reqs.len(), REQUEST_VARIANTS);
        for (id, request) in reqs.into_iter().enumerate() {
            let m = ClientMsg {
                id: id as u64,
                req: ClientReq::Call(Call {
                    request: request.clone(),
                    as_: Some("bob".into()),
                    within_ms: None,
                }),
            };
            let back: ClientMsg = read_msg(&mut &encode(&m).unwrap()[..], || {}).unwrap();
            match back.req {
                ClientReq::Call(c) => assert_eq!(c.request, request),
                other => panic!("{other:?}"),
            }
        }
    }

    fn reply_index(r: &Reply) -> usize {
        use Reply::*;
        match r {
            Done { .. } => 0,
            Placed { .. } => 1,
            Roles { .. } => 2,
            Initialized { .. } => 3,
            Imported { .. } => 4,
            DemoCreated { .. } => 5,
            Generated { .. } => 6,
            Exported { .. } => 7,
            Doctor(_) => 8,
            Backup(_) => 9,
            Users(_) => 10,
            Groups(_) => 11,
            Orgs(_) => 12,
            Tenants(_) => 13,
            Workspaces(_) => 14,
            WsMembers(_) => 15,
            Resources(_) => 16,
            Integrations(_) => 17,
            Listing(_) => 18,
            Tree(_) => 19,
            Detail(_) => 20,
            Decision(_) => 21,
            Explained { .. } => 22,
            Who { .. } => 23,
            Access { .. } => 24,
            Log(_) => 25,
            AccessChanged { .. } => 26,
            Unchanged { .. } => 27,
            Grants(_) => 28,
            Applied(_) => 29,
            Entitlements(_) => 30,
            Activity { .. } => 31,
        }
    }

    const REPLY_VARIANTS: usize = 32;

    fn execute_as(app: &App, login: &str, r: Request) -> crate::domain::Result<Reply> {
        let login = login.to_string();
        app.execute(Caller::new(&|| Ok(login.clone())), r)
    }

    /// Runs a request as `login`, which must succeed.
    fn run_as(app: &App, login: &str, r: Request) -> Reply {
        execute_as(app, login, r.clone()).unwrap_or_else(|e| panic!("{r:?}: {e}"))
    }

    /// The replies of the store-level requests, each on a store of its own
    /// (`app` is left holding the demo).
    fn store_level_replies(app: &App) -> Vec<Reply> {
        let mut replies = vec![run_as(
            &App::in_memory(),
            "root",
            Request::Init {
                owner: "root".into(),
            },
        )];
        replies.push(run_as(app, "root", Request::Demo));
        let exported = run_as(app, "root", Request::Export);
        if let Reply::Exported { json } = &exported {
            replies.push(run_as(
                &App::in_memory(),
                "admin",
                Request::Import { text: json.clone() },
            ));
        }
        replies.push(exported);
        replies.push(run_as(
            &App::in_memory(),
            "root",
            Request::Gen(GenSpec {
                items: 30,
                users: 5,
                groups: 2,
                org_depth: 1,
                depth: 2,
                grants: 5,
                wide: 0,
                seed: 3,
            }),
        ));
        replies.push(run_as(
            app,
            "admin",
            Request::Doctor {
                repair: false,
                backup: None,
            },
        ));
        replies.push(Reply::Backup(crate::app::backup::Backup {
            dir: "/b".into(),
            export: "/b/export.json".into(),
            store: "/b/store".into(),
            items: 3,
            bytes: 10,
        }));
        replies
    }

    /// The replies of every session request on the demo store, and the
    /// requests it refused (by index).
    fn session_replies(app: &App) -> (Vec<Reply>, std::collections::BTreeSet<usize>) {
        let (mut replies, mut skip) = (Vec::new(), std::collections::BTreeSet::new());
        for r in every_request() {
            // Store-level requests are answered on stores of their own.
            if !r.needs_session() || matches!(r, Request::Init { .. }) {
                continue;
            }
            match execute_as(app, "root", r.clone()) {
                Ok(reply) => {
                    if let Reply::AccessChanged { reply: inner, .. } = &reply {
                        replies.push((**inner).clone());
                    }
                    replies.push(reply)
                }
                Err(_) => {
                    skip.insert(request_index(&r));
                }
            }
        }
        (replies, skip)
    }

    /// A reply through a frame and back: the same JSON document.
    fn assert_round_trips(reply: &Reply) {
        let a = Answer::of(&Ok(reply.clone()));
        let back: ServerMsg = read_msg(
            &mut &encode(&ServerMsg::Reply { id: 1, reply: a }).unwrap()[..],
            || {},
        )
        .unwrap();
        let ServerMsg::Reply {
            reply: Answer::Reply(json),
            ..
        } = back
        else {
            panic!("not a reply");
        };
        let decoded: Reply = serde_json::from_str(&json).unwrap();
        assert_eq!(
            serde_json::to_value(&decoded).unwrap(),
            serde_json::to_value(reply).unwrap(),
            "{}",
            reply_index(reply)
        );
    }

    /// Every reply a real store gives, through the wire's encoding and back:
    /// the same JSON document on both ends.
    #[test]
    fn every_reply_round_trips_through_a_frame() {
        let app = App::in_memory();
        let mut replies = store_level_replies(&app);
        let (answered, skip) = session_replies(&app);
        replies.extend(answered);
        replies.push(Reply::Placed {
            how: Placed::Created(ItemKind::App),
            id: 1,
            path: "/W/team/A".into(),
        });
        replies.push(Reply::Unchanged {
            message: "bob is already in group qa".into(),
        });
        let kinds: std::collections::BTreeSet<usize> = replies.iter().map(reply_index).collect();
        assert_eq!(
            kinds.len(),
            REPLY_VARIANTS,
            "one of every reply variant: {kinds:?}; refused requests: {skip:?}"
        );
        for reply in &replies {
            assert_round_trips(reply);
        }
    }
}
