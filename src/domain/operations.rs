//! Operations for the person who runs the machine: backup, the consistency check, the doctor's
//! report, reindexing and resetting a password. The CLI runs them directly, or through the running server's control
//! socket when the server holds the data file.

use std::path::Path;

use crate::auth::{User, password, session};
use crate::error::{AppError, AppResult, Msg};
use crate::store::{Actor, AuditEvent, Entity, IndexKey};

use super::Kontor;

/// Writes a consistent backup while the server goes on; reports each table.
pub fn backup(k: &Kontor, to: &Path, progress: &dyn Fn(&str)) -> Result<String, String> {
    let started = std::time::Instant::now();
    let report = |table: &str| progress(&format!("copying {table}"));
    // No blob is removed while the backup copies files/.
    let _keep = k.files.keep();
    let summary = k
        .store
        .backup_to(to, Some(&report))
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "backup written to {}: {} tables, {} entries, {} files, {} bytes in {:.1}s",
        summary.path.display(),
        summary.tables,
        summary.entries,
        summary.files,
        summary.bytes,
        started.elapsed().as_secs_f32()
    ))
}

/// Sets a new password for a user, enables the account and ends its sessions.
pub fn reset_password(k: &Kontor, username: &str, new_password: &str) -> AppResult<()> {
    password::validate("password", new_password)?;
    let hash = password::hash(new_password)?;
    let username = username.trim().to_ascii_lowercase();
    k.store.write(move |tx| {
        let id = tx
            .find_unique::<User>("username", &IndexKey::new().str(&username))?
            .ok_or_else(|| {
                AppError::invalid(
                    "username",
                    Msg::new(
                        format!("没有用户 {username}。"),
                        format!("There is no user {username}."),
                    ),
                )
            })?;
        let actor = Actor::system();
        let user = tx.update::<User, AppError>(&actor, id, None, |u| {
            u.password_hash = hash;
            u.active = true;
            u.session_epoch += 1;
            Ok(())
        })?;
        session::end_all_for_user(tx, id)?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "password_reset_cli".into(),
                kind: User::KIND.into(),
                record_id: Some(id),
                title: user.data.title(),
                ..Default::default()
            },
        )?;
        Ok(())
    })
}

/// Runs the consistency check and describes it; `Err` when problems were found.
pub fn check(k: &Kontor) -> Result<String, String> {
    let report = k.check()?;
    let counts = report
        .records
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let notes = report
        .notes
        .iter()
        .map(|n| format!("\nnote: {n}"))
        .collect::<String>();
    if report.problems.is_empty() {
        Ok(format!(
            "database, files and search index agree ({counts}){notes}"
        ))
    } else {
        Err(format!(
            "{} problems found:\n{}{notes}",
            report.problems.len(),
            report.problems.join("\n")
        ))
    }
}

/// How one `kontor doctor` finding stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Ok,
    Warn,
    Fail,
}

/// One line of `kontor doctor`.
#[derive(Clone, Debug)]
pub struct Finding {
    pub health: Health,
    pub topic: &'static str,
    pub detail: String,
}

/// Free space below either bound is a warning: a full disk stops every write.
const MIN_FREE_BYTES: u64 = 2 << 30;
const MIN_FREE_PERCENT: u64 = 10;
/// Search changes not yet in the index beyond this many, or a clock this far behind the data.
const MAX_INDEX_LAG: u64 = 10_000;
const MAX_CLOCK_BEHIND_MINUTES: i64 = 5;

/// `kontor doctor`: disk space, backups, the clock, the search index's lag and the data
/// directory's permissions, in one report. `Err` (a non-zero exit) when anything needs a look.
pub fn doctor(k: &Kontor) -> Result<String, String> {
    let findings = diagnose(k);
    let report = findings
        .iter()
        .map(|f| {
            let mark = match f.health {
                Health::Ok => "ok  ",
                Health::Warn => "WARN",
                Health::Fail => "FAIL",
            };
            format!("{mark} {:<12} {}", f.topic, f.detail)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let problems = findings.iter().filter(|f| f.health != Health::Ok).count();
    let head = format!("doctor's report on {}", k.data_dir.display());
    if problems == 0 {
        Ok(format!("{head}\n{report}\nall well"))
    } else {
        Err(format!(
            "{head}\n{report}\n{problems} finding(s) need a look"
        ))
    }
}

pub fn diagnose(k: &Kontor) -> Vec<Finding> {
    let settings = k.store.read(super::backups::settings).unwrap_or_default();
    let backup_dir = super::backups::target_dir(k, &settings);
    let mut out = vec![disk(&k.data_dir, "disk")];
    if !backup_dir.starts_with(&k.data_dir) {
        out.push(disk(&backup_dir, "backup disk"));
    }
    out.push(backups(k, &settings));
    out.push(clock(k));
    out.push(index_lag(k));
    out.push(permissions(&k.data_dir));
    out
}

fn finding(health: Health, topic: &'static str, detail: String) -> Finding {
    Finding {
        health,
        topic,
        detail,
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn disk(path: &Path, topic: &'static str) -> Finding {
    match rustix::fs::statvfs(path) {
        Ok(v) => {
            let free = v.f_bavail.saturating_mul(v.f_frsize);
            let total = v.f_blocks.saturating_mul(v.f_frsize).max(1);
            let percent = free.saturating_mul(100) / total;
            let detail = format!(
                "{} free of {} ({percent} %) at {}",
                gib(free),
                gib(total),
                path.display()
            );
            let low = free < MIN_FREE_BYTES || percent < MIN_FREE_PERCENT;
            finding(if low { Health::Warn } else { Health::Ok }, topic, detail)
        }
        Err(e) => finding(
            Health::Fail,
            topic,
            format!("cannot read the free space of {}: {e}", path.display()),
        ),
    }
}

fn backups(k: &Kontor, settings: &super::backups::BackupSettings) -> Finding {
    let now = chrono::Utc::now();
    match super::backups::newest_ok(k) {
        Ok(Some(run)) => {
            let hours = (now - run.started_at).num_hours();
            let detail = format!(
                "newest good backup {} h ago: {}/{}{}",
                hours,
                run.dir,
                run.file.unwrap_or_default(),
                if settings.enabled {
                    format!(", daily at {}", settings.at)
                } else {
                    ", scheduled backups are switched off".into()
                }
            );
            let health = if hours > 48 || !settings.enabled {
                Health::Warn
            } else {
                Health::Ok
            };
            finding(health, "backups", detail)
        }
        Ok(None) => finding(
            Health::Warn,
            "backups",
            "no backup yet (kontor backup --to FILE, or wait for the daily one)".into(),
        ),
        Err(e) => finding(
            Health::Fail,
            "backups",
            e.message(crate::i18n::Lang::En).into(),
        ),
    }
}

fn clock(k: &Kontor) -> Finding {
    let now = chrono::Utc::now();
    match k.store.read(|tx| tx.last_audit_at()) {
        Ok(Some(last)) if last - now > chrono::Duration::minutes(MAX_CLOCK_BEHIND_MINUTES) => {
            finding(
                Health::Warn,
                "clock",
                format!(
                    "the clock says {now}, but the data holds a change made at {last}: the clock went back (check the time sync)"
                ),
            )
        }
        Ok(_) => finding(Health::Ok, "clock", format!("{now} (UTC)")),
        Err(e) => finding(Health::Fail, "clock", e.to_string()),
    }
}

fn index_lag(k: &Kontor) -> Finding {
    let head = k.store.read(|tx| tx.outbox_last());
    match (head, k.search.applied()) {
        (Ok(head), Ok(applied)) => {
            let lag = head.saturating_sub(applied);
            let health = if lag > MAX_INDEX_LAG {
                Health::Warn
            } else {
                Health::Ok
            };
            finding(
                health,
                "search index",
                format!("{lag} change(s) not yet searchable"),
            )
        }
        (Err(e), _) => finding(Health::Fail, "search index", e.to_string()),
        (_, Err(e)) => finding(Health::Fail, "search index", e.to_string()),
    }
}

fn permissions(data_dir: &Path) -> Finding {
    use std::os::unix::fs::PermissionsExt;
    let probe = data_dir.join(".kontor-doctor");
    if let Err(e) = std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe)) {
        return finding(
            Health::Fail,
            "permissions",
            format!("cannot write to {}: {e}", data_dir.display()),
        );
    }
    let mode = std::fs::metadata(data_dir)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    if mode & 0o007 != 0 {
        finding(
            Health::Warn,
            "permissions",
            format!(
                "{} is open to every user of this machine (mode {mode:o}): chmod 700 it",
                data_dir.display()
            ),
        )
    } else {
        finding(
            Health::Ok,
            "permissions",
            format!("{} writable, mode {mode:o}", data_dir.display()),
        )
    }
}
