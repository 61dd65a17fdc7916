//! libpq's password file (`PGPASSFILE`, else `~/.pgpass`): lines of
//! `host:port:database:user:password`, `*` matching anything, `\` quoting
//! `:` and `\`. Read for each host of a connection string as it is tried,
//! as libpq does; a file that group or others may read is not read, for
//! libpq's reason.

use std::path::PathBuf;

use tokio_postgres::config::Host;
use tokio_postgres::Config;

/// The password file's path.
pub fn file() -> Option<PathBuf> {
    std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".pgpass")))
}

/// Why the password file is not read (`None`: it is, or there is none).
pub fn refused() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let path = file()?;
    let meta = std::fs::metadata(&path).ok()?;
    (meta.mode() & 0o077 != 0).then(|| {
        format!(
            "the password file {:?} has group or world access and was not read; permissions should be u=rw (0600) or less",
            path.display().to_string()
        )
    })
}

/// The password for the first host of `c` (a single host's settings).
pub fn password_for(c: &Config) -> Option<String> {
    if refused().is_some() {
        return None;
    }
    let text = std::fs::read_to_string(file()?).ok()?;
    let host = match c.get_hosts().first()? {
        Host::Tcp(h) => h.clone(),
        Host::Unix(_) => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432).to_string();
    let want = [
        host.as_str(),
        port.as_str(),
        c.get_dbname().unwrap_or(""),
        c.get_user().unwrap_or(""),
    ];
    matching(&text, &want)
}

/// The password of the first line of `text` whose four fields match `want`.
fn matching(text: &str, want: &[&str; 4]) -> Option<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(split)
        .filter(|f| f.len() == 5)
        .find(|f| f[..4].iter().zip(want).all(|(f, w)| f == "*" || f == w))
        .map(|f| f[4].clone())
}

fn split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().unwrap().push(n);
                }
            }
            ':' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_host_finds_its_own_line() {
        let text =
            "# comment\ndb1:5432:tw:treeward:one\ndb2:5433:tw:treeward:two\n*:*:*:other:any\n";
        let want = |h: &str, p: &str, u: &str| matching(text, &[h, p, "tw", u]);
        assert_eq!(want("db1", "5432", "treeward").as_deref(), Some("one"));
        assert_eq!(want("db2", "5433", "treeward").as_deref(), Some("two"));
        assert_eq!(want("db3", "5432", "treeward"), None);
        assert_eq!(want("db3", "1", "other").as_deref(), Some("any"));
        assert_eq!(
            split(r"a\:b:c\\d"),
            vec!["a:b".to_string(), r"c\d".to_string()]
        );
    }

    #[test]
    fn a_file_others_can_read_is_not_read() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("pgpass");
        std::fs::write(&f, "*:*:*:*:secret\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        // The environment is this process's: set and read here only.
        std::env::set_var("PGPASSFILE", &f);
        let mut c = Config::new();
        c.host("db1").user("u").dbname("d");
        assert_eq!(password_for(&c), None);
        assert!(refused().unwrap().contains("group or world access"));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(password_for(&c).as_deref(), Some("secret"));
        assert_eq!(refused(), None);
        std::env::remove_var("PGPASSFILE");
    }
}
