//! `treeward man [DIR]`: the man pages, made from the command line's own
//! definition (clap_mangen), so they say what `--help` says.

use std::path::{Path, PathBuf};

use clap::Command;

use super::args;
use crate::domain::{Error, Result};

/// The top page, `treeward.1`.
pub fn top_page() -> Result<Vec<u8>> {
    let mut out = Vec::new();
    page(&built(), &mut out)?;
    Ok(out)
}

/// One page per command and subcommand (`treeward-role-grant.1`) into
/// `dir`; the files written.
pub fn write_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| crate::domain::file_error("write", dir, &e))?;
    let mut written = Vec::new();
    write_below(&built(), dir, &mut written)?;
    Ok(written)
}

/// The command line with its subcommands named `treeward-role-grant`.
fn built() -> Command {
    let mut c = args::command().disable_help_subcommand(true);
    c.build();
    c
}

fn write_below(c: &Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    let file = dir.join(format!(
        "{}.1",
        c.get_display_name().unwrap_or(c.get_name())
    ));
    let mut text = Vec::new();
    page(c, &mut text)?;
    std::fs::write(&file, text).map_err(|e| crate::domain::file_error("write", &file, &e))?;
    written.push(file);
    for sub in c
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        write_below(sub, dir, written)?;
    }
    Ok(())
}

fn page(c: &Command, out: &mut Vec<u8>) -> Result<()> {
    clap_mangen::Man::new(c.clone())
        .render(out)
        .map_err(|e| Error::unavailable(format!("cannot render the man page: {e}")))
}
