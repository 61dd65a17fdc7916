//! `treeward backup DIR`: a consistent copy of a store in use. The copy is
//! taken under the store's writer lock (no change of this process can land
//! halfway through it; other processes are kept out by the store's lock
//! file), written as `DIR/export.json` and loaded into a fresh store
//! `DIR/store` with `import`, then checked: the new store exports the same
//! document. A server holding the store calls [`App::backup`] itself.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::*;
use crate::store::open::{LOCK_FILE, SLED_DIR};

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Backup {
    pub dir: PathBuf,
    pub export: PathBuf,
    pub store: PathBuf,
    pub items: usize,
    pub bytes: usize,
}

pub const EXPORT_FILE: &str = "export.json";
pub const STORE_DIR: &str = "store";

fn io(path: &Path, e: std::io::Error) -> Error {
    crate::domain::file_error("write", path, &e)
}

/// DIR must be new or empty: a backup never overwrites anything unasked
/// (a conflict, like `export` onto an existing file).
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = dir.is_dir() && fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_none();
        if !empty {
            return Err(Error::conflict(format!(
                "{} already exists and is not an empty directory; pass --force to replace the backup in it",
                crate::domain::text::escape(&dir.display().to_string())
            )));
        }
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io(dir, e))
}

/// Writes a file for the owner alone, synced.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io(path, e))?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| io(path, e))
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let t = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &t)?;
        } else {
            fs::copy(e.path(), &t)?;
            fs::File::open(&t)?.sync_all()?;
        }
    }
    Ok(())
}

/// A byte copy of a store directory's files into `dir` (new or empty),
/// usable as a store directory; the caller keeps writers out meanwhile.
pub(crate) fn copy_store_files(src: &Path, dir: &Path) -> Result<()> {
    fresh_dir(dir)?;
    copy_tree(&src.join(SLED_DIR), &dir.join(SLED_DIR)).map_err(|e| io(dir, e))?;
    write_private(&dir.join(LOCK_FILE), b"")
}

impl App {
    /// A consistent copy of the store in `dir` (see the module notes).
    pub fn backup(&self, dir: &Path, force: bool) -> Result<Backup> {
        if force && dir.is_dir() {
            return self.backup_replacing(dir);
        }
        fresh_dir(dir)?;
        // Holding a change open keeps every writer of this process out
        // until the export is read; it is dropped without committing.
        let json = {
            let _hold = self.store.begin()?;
            self.export_json()?
        };
        let export = dir.join(EXPORT_FILE);
        write_private(&export, json.as_bytes())?;
        let store = dir.join(STORE_DIR);
        let copy = App::open(&store)?;
        let parsed = App::parse_export(&json)?;
        // Marked as a backup's load until whole (`store::load`).
        let mark = crate::store::load::Loading::new("backup", &parsed.account.owner, None);
        let items = copy.import_as(&parsed, mark)?;
        if copy.export_json()? != json {
            return Err(Error::unavailable(format!(
                "the backup in {} does not read back the same; it is incomplete",
                dir.display()
            )));
        }
        // Done means usable: the backup's store opens at once after it.
        drop(copy);
        crate::store::open::wait_released(&store, std::time::Duration::from_secs(10));
        Ok(Backup {
            dir: dir.to_path_buf(),
            export,
            store,
            items,
            bytes: json.len(),
        })
    }

    /// `backup --force` into a directory that holds one already: the new
    /// backup is made beside it and swapped in only once it is complete and
    /// checked, so a failure leaves the earlier backup as it was.
    fn backup_replacing(&self, dir: &Path) -> Result<Backup> {
        let fresh = dir.join(format!(".treeward-backup-{}", std::process::id()));
        let _ = fs::remove_dir_all(&fresh);
        let made = self.backup(&fresh, false);
        let made = match made {
            Ok(b) => b,
            Err(e) => {
                let _ = fs::remove_dir_all(&fresh);
                return Err(e);
            }
        };
        let (export, store) = (dir.join(EXPORT_FILE), dir.join(STORE_DIR));
        let gone = |p: &Path| match fs::symlink_metadata(p) {
            Err(_) => Ok(()),
            Ok(m) if m.is_dir() => fs::remove_dir_all(p),
            Ok(_) => fs::remove_file(p),
        };
        gone(&export)
            .and_then(|_| gone(&store))
            .and_then(|_| fs::rename(&made.export, &export))
            .and_then(|_| fs::rename(&made.store, &store))
            .and_then(|_| fs::remove_dir(&fresh))
            .and_then(|_| fs::File::open(dir)?.sync_all())
            .map_err(|e| io(dir, e))?;
        Ok(Backup {
            dir: dir.to_path_buf(),
            export,
            store,
            ..made
        })
    }

    /// A byte copy of the store's files (doctor's backup before a repair:
    /// it works even when records do not decode and `export` cannot run),
    /// plus an export when one can be made. Restore by using the copy as
    /// the store directory.
    pub fn raw_backup(&self, dir: &Path) -> Result<PathBuf> {
        let Some(src) = self.store.dir() else {
            // A database (or a store in memory): its records, as an export.
            fresh_dir(dir)?;
            let json = self.export_json().map_err(|e| {
                Error::unavailable(format!(
                    "{}; back the database up with its own tools (pg_dump) before a repair",
                    e.message
                ))
            })?;
            write_private(&dir.join(EXPORT_FILE), json.as_bytes())?;
            return Ok(dir.to_path_buf());
        };
        {
            let _hold = self.store.begin()?;
            copy_store_files(src, dir)?;
        }
        if let Ok(json) = self.export_json() {
            write_private(&dir.join(EXPORT_FILE), json.as_bytes())?;
        }
        Ok(dir.to_path_buf())
    }
}
