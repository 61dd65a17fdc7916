//! Paths of SPEC §1: `/<ws>/team/<folder>/…`, `/<ws>/my/<login>/…`, and
//! assets as `<app path>:<kind>/<name>`.

use super::error::{Error, Result};
use super::model::AssetKind;
use super::names::{validate_login, validate_name};
use super::text::escape;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpaceName {
    Team,
    My(String),
}

/// A path inside a space; `names` empty means the space root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPath {
    pub ws: String,
    pub space: SpaceName,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedPath {
    /// `/`: every workspace the actor sees.
    Top,
    /// `/WS`: the spaces of one workspace.
    Workspace(String),
    In(ItemPath),
    /// `APP_PATH:KIND/NAME`, as `ls` and `tree` print assets.
    Asset(AssetPath),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPath {
    pub app: ItemPath,
    pub kind: AssetKind,
    pub name: String,
}

fn bad(p: &str, why: &str) -> Error {
    Error::invalid(format!("path '{}' {why}", escape(p)))
}

pub fn parse(raw: &str) -> Result<ParsedPath> {
    if !raw.starts_with('/') {
        return Err(bad(
            raw,
            "must start with '/' (like /Default Workspace/team/Folder)",
        ));
    }
    let mut segs: Vec<&str> = raw[1..].split('/').collect();
    if segs.last() == Some(&"") {
        segs.pop(); // a trailing slash
    }
    if segs.iter().any(|s| s.trim().is_empty()) {
        return Err(bad(raw, "has an empty segment"));
    }
    if raw.contains(':') {
        // Every path treeward prints is read back: an asset's is APP:KIND/NAME.
        return Ok(ParsedPath::Asset(parse_asset(raw)?));
    }
    let Some((ws, rest)) = segs.split_first() else {
        return Ok(ParsedPath::Top);
    };
    let ws = validate_name(ws, "workspace")?;
    let Some((space, rest)) = rest.split_first() else {
        return Ok(ParsedPath::Workspace(ws));
    };
    let (space, rest) = match space.trim() {
        "team" => (SpaceName::Team, rest),
        "my" => {
            let Some((login, rest)) = rest.split_first() else {
                return Err(bad(raw, "names no My Creations owner (/WS/my/LOGIN)"));
            };
            (SpaceName::My(validate_login(login)?), rest)
        }
        _ => return Err(bad(raw, "must name a space: /WS/team or /WS/my/LOGIN")),
    };
    let names = rest
        .iter()
        .map(|s| validate_name(s, "item"))
        .collect::<Result<Vec<_>>>()?;
    Ok(ParsedPath::In(ItemPath { ws, space, names }))
}

/// A path that must be inside a space (an item or a space root).
pub fn parse_in(raw: &str) -> Result<ItemPath> {
    match parse(raw)? {
        ParsedPath::In(p) => Ok(p),
        ParsedPath::Asset(a) => Err(bad(
            raw,
            &format!(
                "names an asset; assets take their app's place and grants, so give the app's path ({})",
                escape(&a.app.to_string())
            ),
        )),
        _ => Err(bad(
            raw,
            "must name a space or an item in one (/WS/team/…, /WS/my/LOGIN/…)",
        )),
    }
}

/// A path that must name an item (not a space root).
pub fn parse_item(raw: &str) -> Result<ItemPath> {
    let p = parse_in(raw)?;
    if p.names.is_empty() {
        return Err(bad(raw, "names a space root, not an item"));
    }
    Ok(p)
}

/// What a path names where an item or an asset may be meant (`ls`, `tree`,
/// `check`, `explain`, `who`, `rm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    In(ItemPath),
    Asset(AssetPath),
}

pub fn parse_target(raw: &str) -> Result<Target> {
    if raw.contains(':') {
        return Ok(Target::Asset(parse_asset(raw)?));
    }
    Ok(Target::In(parse_in(raw)?))
}

pub fn parse_asset(raw: &str) -> Result<AssetPath> {
    let form = "must be APP_PATH:KIND/NAME (an item name cannot hold ':')";
    let Some((app, rest)) = raw.split_once(':') else {
        return Err(bad(raw, form));
    };
    let Some((kind, name)) = rest.split_once('/') else {
        return Err(bad(raw, form));
    };
    if app.contains(':') || name.contains(':') || name.contains('/') {
        return Err(bad(raw, form));
    }
    Ok(AssetPath {
        app: parse_item(app)?,
        kind: kind.parse()?,
        name: validate_name(name, "asset")?,
    })
}

impl std::fmt::Display for AssetPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}/{}", self.app, self.kind, self.name)
    }
}

impl ItemPath {
    pub fn space_prefix(&self) -> String {
        match &self.space {
            SpaceName::Team => format!("/{}/team", self.ws),
            SpaceName::My(l) => format!("/{}/my/{}", self.ws, l),
        }
    }
}

impl std::fmt::Display for ItemPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.space_prefix())?;
        for n in &self.names {
            write!(f, "/{n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        assert_eq!(parse("/").unwrap(), ParsedPath::Top);
        assert_eq!(parse("/DW").unwrap(), ParsedPath::Workspace("DW".into()));
        let p = parse_in("/Default Workspace/team/Plant/Line1/").unwrap();
        assert_eq!(p.names, vec!["Plant", "Line1"]);
        assert_eq!(p.to_string(), "/Default Workspace/team/Plant/Line1");
        let p = parse_in("/DW/my/bob").unwrap();
        assert_eq!(p.space, SpaceName::My("bob".into()));
        assert!(p.names.is_empty());
        let a = parse_asset("/DW/team/A/OEE:dashboard/Overview").unwrap();
        assert_eq!(a.kind, AssetKind::Dashboard);
        assert_eq!(a.app.names, vec!["A", "OEE"]);
    }

    #[test]
    fn r2_refuses_bad_paths() {
        for bad in [
            "DW/team",
            "/DW/x",
            "/DW/my",
            "/DW/team/../x",
            "/DW/team//x",
            "/DW/team/a:b",
            "/DW/team/.",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
