//! Operations for the person who runs the machine: backup, the consistency check, reindexing and
//! resetting a password. The CLI runs them directly, or through the running server's control
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
