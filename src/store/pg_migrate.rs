//! `treeward migrate`: the database's schema made or brought up to date by
//! the numbered SQL files of `migrations/` (embedded in the binary; the
//! history kept in `treeward_migrations` by refinery), one run at a time
//! under an advisory lock, so that concurrent first runs are safe. Every
//! other command creates and alters nothing (`PgKv::open` checks the
//! schema and says what to run).

use super::pg_kv::{self, MIGRATE_LOCK, PG_SCHEMA_VERSION};
use crate::domain::{Error, Result};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The table refinery keeps the applied migrations in.
const HISTORY: &str = "treeward_migrations";

/// Brings the database of `connection` to this build's schema (with
/// `dry_run`, says what would run and changes nothing): the lines to print.
pub fn migrate(connection: &str, dry_run: bool) -> Result<Vec<String>> {
    let target = pg_kv::config_of(connection)?;
    let shown = pg_kv::shown(&target.config);
    let tls = super::pg_tls::connector(&target.tls)
        .map_err(|e| Error::unavailable(format!("{shown}: {}", e.message)))?;
    let mut config = target.config;
    if config.get_password().is_none() {
        if let Some(p) = super::pg_pass::password_for(&config) {
            config.password(p);
        }
    }
    let failed =
        |what: &str, e: &dyn std::fmt::Display| Error::unavailable(format!("{shown}: {what}: {e}"));
    let mut client = postgres::Config::from(config)
        .connect(tls)
        .map_err(|e| failed("cannot connect", &e))?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])
        .map_err(|e| failed("cannot take the migration lock", &e))?;
    let out = run(&mut client, &shown, dry_run);
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]);
    out
}

fn run(client: &mut postgres::Client, shown: &str, dry_run: bool) -> Result<Vec<String>> {
    let failed = |e: &dyn std::fmt::Display| Error::unavailable(format!("{shown}: {e}"));
    refuse_others(client, shown)?;
    let mut runner = embedded::migrations::runner();
    runner.set_migration_table_name(HISTORY);
    // refinery asks its history table, which the first run makes.
    let history: bool = client
        .query_one(&format!("SELECT to_regclass('{HISTORY}') IS NOT NULL"), &[])
        .map_err(|e| failed(&e))?
        .get(0);
    let last = if history {
        runner
            .get_last_applied_migration(client)
            .map_err(|e| failed(&e))?
            .map(|m| m.version())
    } else {
        None
    };
    let pending: Vec<String> = runner
        .get_migrations()
        .iter()
        .filter(|m| last.is_none_or(|l| m.version() > l))
        .map(|m| format!("{} {}", m.version(), m.name()))
        .collect();
    if pending.is_empty() {
        return Ok(vec![format!(
            "{shown}: the schema is up to date (version {PG_SCHEMA_VERSION})"
        )]);
    }
    if dry_run {
        let mut lines = vec![format!("{shown}: would apply (nothing was changed):")];
        lines.extend(pending.iter().map(|m| format!("  {m}")));
        return Ok(lines);
    }
    let report = runner.run(client).map_err(|e| failed(&e))?;
    let mut lines = vec![format!("{shown}: applied:")];
    lines.extend(
        report
            .applied_migrations()
            .iter()
            .map(|m| format!("  {} {}", m.version(), m.name())),
    );
    lines.push(format!("schema version {PG_SCHEMA_VERSION}"));
    Ok(lines)
}

/// A database that holds tables of another application (and none of
/// treeward's) is not made a store.
fn refuse_others(client: &mut postgres::Client, shown: &str) -> Result<()> {
    let row = client
        .query_one(pg_kv::SCHEMA_STATE, &[])
        .map_err(|e| Error::unavailable(format!("{shown}: {e}")))?;
    let (ours, others): (bool, i64) = (row.get(0), row.get(1));
    if !ours && others > 0 {
        return Err(pg_kv::not_a_store(shown));
    }
    Ok(())
}
