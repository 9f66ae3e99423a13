//! Scheduled backups (issue 16, operations): every day at a set time of the company's clock
//! the server writes an online backup (`operations::backup`, the same archive `kontor backup`
//! writes) into `data/backups/` or a directory the admin names (a second disk), then prunes old
//! ones. The admin's screen shows the state and warns when the last attempt failed or the last
//! good backup is older than two days; a failed scheduled backup notifies the administrators.
//!
//! Rules, chosen to protect the data:
//! - A slot is owed once: the job records each attempt (`BackupRun`) and a run after downtime
//!   catches up with the latest missed slot only. Slots before the company existed are not owed.
//! - A failed attempt is retried an hour later; the administrators hear of the first failure of
//!   a slot, not of every retry.
//! - Retention follows restic's `--keep-daily N --keep-weekly M`: the newest backup of each of
//!   the last N days that have one, and the newest of each of the last M ISO weeks that have one,
//!   are kept; other *scheduled* backups are deleted, and only after a new one was written.
//!   Backups made by hand (`-manual`) and any other file in the directory are never deleted.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Tx};

use super::kit::{Guarded, Job, KindInfo, ModuleDef, Owner};
use super::notify::{self, NotifyKind, RecordRef};
use super::{Kontor, accounts, company, operations};

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        jobs,
        ..ModuleDef::new("backups", KINDS, register)
    }
}

static KINDS: &[KindInfo] = &[
    KindInfo::plain::<BackupSettings>(Module::Settings, "备份设置", "Backup settings"),
    KindInfo::plain::<BackupRun>(Module::Settings, "备份记录", "Backup run"),
];

fn register(r: crate::store::Registry) -> crate::store::Registry {
    r.with::<BackupSettings>().with::<BackupRun>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Settings, Action::Update) == crate::auth::Scope::All {
        areas.push("admin.backups");
    }
}

fn jobs() -> Vec<Job> {
    vec![Job {
        name: "scheduled backup",
        every: std::time::Duration::from_secs(60),
        run: |k, now| run_due(k, now).map(|_| ()),
    }]
}

/// How the company is backed up (one record; the defaults until an admin saves them).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct BackupSettings {
    /// Whether the server backs up by itself every day.
    pub enabled: bool,
    /// The time of day, in the company's time zone, as HH:MM.
    #[schema(example = "02:00")]
    pub at: String,
    /// An absolute directory to write to (e.g. a second disk); none: `backups/` in the data
    /// directory.
    pub dir: Option<String>,
    /// How many days keep their newest backup (1–60).
    pub keep_daily: u32,
    /// How many ISO weeks keep their newest backup (0–52).
    pub keep_weekly: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            enabled: true,
            at: "02:00".into(),
            dir: None,
            keep_daily: 7,
            keep_weekly: 4,
        }
    }
}

impl Entity for BackupSettings {
    const KIND: &'static str = "backup_settings";
    fn title(&self) -> String {
        "backup settings".into()
    }
}

impl Guarded for BackupSettings {
    const MODULE: Module = Module::Settings;
    const OWNER: Owner = Owner::Nobody;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Scheduled,
    Manual,
}

/// One attempt to back up.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BackupRun {
    pub trigger: Trigger,
    /// The scheduled time this attempt served (scheduled runs).
    pub slot: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub ok: bool,
    pub dir: String,
    /// The archive's file name (when written).
    pub file: Option<String>,
    pub bytes: u64,
    pub error: Option<String>,
    /// Scheduled backups this run's retention deleted.
    pub pruned: Vec<String>,
}

impl Entity for BackupRun {
    const KIND: &'static str = "backup_run";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::many("slot", |r: &BackupRun| {
            r.slot
                .map(|s| vec![IndexKey::new().i64(s.timestamp())])
                .unwrap_or_default()
        })]
    }
    fn title(&self) -> String {
        self.file.clone().unwrap_or_else(|| "backup".into())
    }
}

impl Guarded for BackupRun {
    const MODULE: Module = Module::Settings;
    const OWNER: Owner = Owner::Nobody;
}

const SETTINGS_ID: u64 = 1;
/// A failed slot is tried again after this long.
const RETRY_AFTER: i64 = 60;
/// The screen warns when the newest good backup is older than this.
const WARN_AFTER_HOURS: i64 = 48;

pub fn settings(tx: &Tx) -> AppResult<BackupSettings> {
    Ok(tx
        .get::<BackupSettings>(SETTINGS_ID)?
        .filter(|r| !r.meta.is_deleted())
        .map(|r| r.data)
        .unwrap_or_default())
}

fn company_tz(tx: &Tx) -> AppResult<Tz> {
    Ok(company::company(tx)?
        .and_then(|c| c.data.time_zone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai))
}

/// Times the viewer reads are told in their own zone.
fn viewer_tz(p: &Principal) -> Tz {
    p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

fn parse_at(at: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(at.trim(), "%H:%M").ok()
}

/// Where backups go for these settings.
pub fn target_dir(k: &Kontor, s: &BackupSettings) -> PathBuf {
    match &s.dir {
        Some(d) => PathBuf::from(d),
        None => super::backup_dir(&k.data_dir),
    }
}

/// The latest scheduled time at or before `now` (a time that does not exist on a day the
/// clocks go forward is taken an hour later).
pub fn slot_at(now: DateTime<Utc>, tz: Tz, at: NaiveTime) -> DateTime<Utc> {
    let local_day = now.with_timezone(&tz).date_naive();
    let on = |day: NaiveDate| -> DateTime<Utc> {
        let local = day.and_time(at);
        tz.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&local))
    };
    let today = on(local_day);
    if today <= now {
        today
    } else {
        on(local_day - Duration::days(1))
    }
}

fn runs_for_slot(tx: &Tx, slot: DateTime<Utc>) -> AppResult<Vec<BackupRun>> {
    let key = IndexKey::new().i64(slot.timestamp());
    let mut out = Vec::new();
    for id in tx.ids_by_index::<BackupRun>("slot", &key, false)? {
        if let Some(r) = tx.get::<BackupRun>(id)? {
            out.push(r.data);
        }
    }
    Ok(out)
}

/// The scheduled job: writes the backup of the latest slot unless it was written (or its last
/// attempt failed less than an hour ago). Returns the run it made, if any.
pub fn run_due(k: &Kontor, now: DateTime<Utc>) -> AppResult<Option<BackupRun>> {
    let decision = k.store.read(
        |tx| -> AppResult<Option<(BackupSettings, DateTime<Utc>, bool)>> {
            let s = settings(tx)?;
            let Some(at) = parse_at(&s.at) else {
                return Ok(None);
            };
            let Some(company) = company::company(tx)? else {
                return Ok(None);
            };
            if !s.enabled {
                return Ok(None);
            }
            let slot = slot_at(now, company_tz(tx)?, at);
            if slot < company.meta.created_at {
                return Ok(None);
            }
            let runs = runs_for_slot(tx, slot)?;
            let done = runs.iter().any(|r| r.ok);
            let retry_wait = runs
                .iter()
                .any(|r| !r.ok && now - r.started_at < Duration::minutes(RETRY_AFTER));
            if done || retry_wait {
                return Ok(None);
            }
            Ok(Some((s, slot, !runs.is_empty())))
        },
    )?;
    let Some((s, slot, failed_before)) = decision else {
        return Ok(None);
    };
    let run = write(k, &s, Trigger::Scheduled, Some(slot), now, failed_before)?;
    Ok(Some(run))
}

/// Backs up now, by hand (never pruned).
pub fn run_now(k: &Kontor, p: &Principal) -> AppResult<BackupRunView> {
    p.require_all(Module::Settings, Action::Update)?;
    let s = k.store.read(settings)?;
    let run = write(k, &s, Trigger::Manual, None, Utc::now(), true)?;
    if let (false, Some(error)) = (run.ok, &run.error) {
        return Err(AppError::invalid(
            "dir",
            Msg::new(
                format!("备份失败：{error}"),
                format!("The backup failed: {error}"),
            ),
        ));
    }
    Ok(run_view(&run, viewer_tz(p), p.lang))
}

fn file_name(local: NaiveDateTime, trigger: Trigger) -> String {
    let stamp = local.format("%Y%m%d-%H%M%S");
    match trigger {
        Trigger::Scheduled => format!("kontor-{stamp}.tar"),
        Trigger::Manual => format!("kontor-{stamp}-manual.tar"),
    }
}

/// Writes one backup and records the attempt; a scheduled success prunes old ones.
fn write(
    k: &Kontor,
    s: &BackupSettings,
    trigger: Trigger,
    slot: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    failed_before: bool,
) -> AppResult<BackupRun> {
    let tz = k.store.read(company_tz)?;
    let dir = target_dir(k, s);
    let local = slot.unwrap_or(now).with_timezone(&tz).naive_local();
    let name = file_name(local, trigger);
    let started = std::time::Instant::now();
    let outcome = std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
        .and_then(|()| {
            let path = dir.join(&name);
            if path.exists() {
                return Err(format!("{} exists already", path.display()));
            }
            operations::backup(k, &path, &|_| {})?;
            Ok(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0))
        });
    let took = Duration::milliseconds(started.elapsed().as_millis() as i64);
    let mut run = BackupRun {
        trigger,
        slot,
        started_at: now,
        finished_at: now + took,
        ok: outcome.is_ok(),
        dir: dir.display().to_string(),
        file: outcome.as_ref().ok().map(|_| name.clone()),
        bytes: *outcome.as_ref().unwrap_or(&0),
        error: outcome.as_ref().err().cloned(),
        pruned: Vec::new(),
    };
    match &outcome {
        Ok(_) if trigger == Trigger::Scheduled => {
            run.pruned = prune(&dir, s.keep_daily, s.keep_weekly)
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("backup into {} failed: {e}", dir.display()),
    }
    let record = run.clone();
    k.store.write(move |tx| {
        tx.set_now(now);
        let saved = tx.insert(&Actor::system(), record.clone())?;
        if !record.ok && !failed_before {
            let error = record.error.clone().unwrap_or_default();
            for admin in administrators(tx)? {
                notify::notify(
                    tx,
                    admin,
                    NotifyKind::BackupFailed,
                    Some(RecordRef::of::<BackupRun>(saved.id)),
                    notify::Message::new("backup.failed")
                        .text("dir", record.dir.clone())
                        .text("error", error.clone()),
                )?;
            }
        }
        Ok::<_, AppError>(())
    })?;
    Ok(run)
}

/// Active users who may change the company's settings for everyone.
fn administrators(tx: &Tx) -> AppResult<Vec<u64>> {
    accounts::users_where(tx, |p| {
        p.scope(Module::Settings, Action::Update) == crate::auth::Scope::All
    })
}

/// A scheduled backup's local time, read from its file name.
fn scheduled_stamp(name: &str) -> Option<NaiveDateTime> {
    let stamp = name.strip_prefix("kontor-")?.strip_suffix(".tar")?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()
}

/// Which scheduled backups (by local time) retention keeps: restic's keep-daily/keep-weekly.
pub fn keep(stamps: &[NaiveDateTime], keep_daily: u32, keep_weekly: u32) -> Vec<NaiveDateTime> {
    let mut newest_first = stamps.to_vec();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    newest_first.dedup();
    let mut kept = std::collections::BTreeSet::new();
    let mut bucket_keep = |limit: u32, bucket: &dyn Fn(&NaiveDateTime) -> (i32, u32)| {
        let mut last = None;
        let mut taken = 0;
        for s in &newest_first {
            if taken >= limit {
                break;
            }
            let b = bucket(s);
            if last != Some(b) {
                kept.insert(*s);
                last = Some(b);
                taken += 1;
            }
        }
    };
    bucket_keep(keep_daily, &|s| (s.year(), s.ordinal()));
    bucket_keep(keep_weekly, &|s| {
        let w = s.iso_week();
        (w.year(), w.week())
    });
    kept.into_iter().collect()
}

/// Deletes the scheduled backups in `dir` that retention does not keep; names the deleted.
fn prune(dir: &Path, keep_daily: u32, keep_weekly: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let found: Vec<(String, NaiveDateTime)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            scheduled_stamp(&name).map(|s| (name, s))
        })
        .collect();
    let stamps: Vec<NaiveDateTime> = found.iter().map(|(_, s)| *s).collect();
    let kept = keep(&stamps, keep_daily.max(1), keep_weekly);
    let mut deleted = Vec::new();
    for (name, stamp) in found {
        if kept.binary_search(&stamp).is_err() {
            match std::fs::remove_file(dir.join(&name)) {
                Ok(()) => deleted.push(name),
                Err(e) => tracing::warn!("cannot delete the old backup {name}: {e}"),
            }
        }
    }
    deleted.sort();
    deleted
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupSettingsInput {
    pub enabled: bool,
    #[schema(example = "02:00")]
    pub at: String,
    pub dir: Option<String>,
    #[schema(minimum = 1, maximum = 60)]
    pub keep_daily: u32,
    #[schema(minimum = 0, maximum = 52)]
    pub keep_weekly: u32,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

/// Checks that `dir` is an absolute, existing directory the server can write to (a probe file
/// is written and removed). It is not created: a mistyped path must not quietly fill the
/// system disk instead of the second one.
fn writable_dir(dir: &str) -> AppResult<String> {
    let dir = dir.trim();
    let path = Path::new(dir);
    if !path.is_absolute() {
        return Err(invalid(
            "dir",
            format!("备份目录须是绝对路径（如 /mnt/backup/kontor），而不是 {dir}。"),
            format!(
                "The backup directory must be an absolute path (e.g. /mnt/backup/kontor), not {dir}."
            ),
        ));
    }
    if !path.is_dir() {
        return Err(invalid(
            "dir",
            format!("目录 {dir} 不存在：请先挂载磁盘或创建该目录。"),
            format!("The directory {dir} does not exist: mount the disk or create it first."),
        ));
    }
    let probe = path.join(".kontor-write-test");
    let written = std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe));
    if let Err(e) = written {
        return Err(invalid(
            "dir",
            format!("服务器无法写入 {dir}：{e}"),
            format!("The server cannot write to {dir}: {e}"),
        ));
    }
    Ok(dir.to_string())
}

pub fn set_settings(
    k: &Kontor,
    p: &Principal,
    input: BackupSettingsInput,
) -> AppResult<BackupStatus> {
    p.require_all(Module::Settings, Action::Update)?;
    if parse_at(&input.at).is_none() {
        return Err(invalid(
            "at",
            format!("备份时间应写成 时:分（如 02:00），而不是 {}。", input.at),
            format!(
                "The backup time must be HH:MM (e.g. 02:00), not {}.",
                input.at
            ),
        ));
    }
    if !(1..=60).contains(&input.keep_daily) {
        return Err(invalid(
            "keep_daily",
            "按天保留的份数应在 1 到 60 之间。".into(),
            "Daily backups kept must be between 1 and 60.".into(),
        ));
    }
    if input.keep_weekly > 52 {
        return Err(invalid(
            "keep_weekly",
            "按周保留的份数应在 0 到 52 之间。".into(),
            "Weekly backups kept must be between 0 and 52.".into(),
        ));
    }
    let dir = input
        .dir
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(writable_dir)
        .transpose()?;
    let next = BackupSettings {
        enabled: input.enabled,
        at: parse_at(&input.at)
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or(input.at),
        dir,
        keep_daily: input.keep_daily,
        keep_weekly: input.keep_weekly,
    };
    let actor = p.actor();
    k.store.write(move |tx| {
        if tx.get_live::<BackupSettings>(SETTINGS_ID).is_ok() {
            tx.update::<BackupSettings, AppError>(&actor, SETTINGS_ID, None, |s| {
                *s = next.clone();
                Ok(())
            })?;
        } else {
            tx.insert(&actor, next.clone())?;
        }
        Ok::<_, AppError>(())
    })?;
    status(k, p)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BackupRunView {
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub ok: bool,
    pub dir: String,
    pub file: Option<String>,
    pub bytes: u64,
    pub error: Option<String>,
    pub pruned: Vec<String>,
    /// One line for the screen, in the viewer's language.
    pub summary: String,
}

fn run_view(r: &BackupRun, tz: Tz, lang: Lang) -> BackupRunView {
    let when = r.started_at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    let summary = match (&r.file, &r.error) {
        (Some(f), _) if r.ok => lang
            .pick(
                "{when} 已备份到 {file}（{size}）",
                "{when} backed up to {file} ({size})",
            )
            .replace("{when}", &when.to_string())
            .replace("{file}", f)
            .replace("{size}", &human_size(r.bytes)),
        (_, e) => lang
            .pick(
                "{when} 备份失败：{error}",
                "{when} the backup failed: {error}",
            )
            .replace("{when}", &when.to_string())
            .replace("{error}", e.as_deref().unwrap_or("?")),
    };
    BackupRunView {
        trigger: r.trigger,
        started_at: r.started_at,
        finished_at: r.finished_at,
        ok: r.ok,
        dir: r.dir.clone(),
        file: r.file.clone(),
        bytes: r.bytes,
        error: r.error.clone(),
        pruned: r.pruned.clone(),
        summary,
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.0} KiB", (bytes as f64 / 1024.0).ceil())
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BackupFile {
    pub name: String,
    pub bytes: u64,
    /// Written by hand (never deleted by retention).
    pub manual: bool,
    pub modified_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BackupStatus {
    pub settings: BackupSettings,
    /// The directory backups go to now.
    pub dir: String,
    /// The next scheduled backup (none when switched off).
    pub next_at: Option<DateTime<Utc>>,
    pub last_ok: Option<BackupRunView>,
    pub last_attempt: Option<BackupRunView>,
    /// Set when the last attempt failed, or the newest good backup is older than two days:
    /// what is wrong, in the viewer's language.
    pub warning: Option<String>,
    /// The newest attempts, newest first.
    pub runs: Vec<BackupRunView>,
    /// The archives in the directory, newest first.
    pub files: Vec<BackupFile>,
}

pub fn status(k: &Kontor, p: &Principal) -> AppResult<BackupStatus> {
    p.require_all(Module::Settings, Action::Update)?;
    let now = Utc::now();
    let (s, tz, runs, created) = k.store.read(|tx| {
        let runs: Vec<BackupRun> = tx
            .newest_live::<BackupRun>(0, 20)?
            .into_iter()
            .map(|r| r.data)
            .collect();
        let created = company::company(tx)?.map(|c| c.meta.created_at);
        Ok::<_, AppError>((settings(tx)?, company_tz(tx)?, runs, created))
    })?;
    let viewer = viewer_tz(p);
    let last_ok = newest_ok(k)?;
    let dir = target_dir(k, &s);
    // The slot after `now` is the latest one at or before a day later.
    let next_at = parse_at(&s.at)
        .filter(|_| s.enabled)
        .map(|at| slot_at(now + Duration::days(1), tz, at));
    let last_attempt = runs.first().cloned();
    let warning = warning(
        last_attempt.as_ref(),
        last_ok.as_ref(),
        created,
        now,
        viewer,
        p.lang,
    );
    Ok(BackupStatus {
        dir: dir.display().to_string(),
        next_at,
        last_ok: last_ok.map(|r| run_view(&r, viewer, p.lang)),
        last_attempt: last_attempt.map(|r| run_view(&r, viewer, p.lang)),
        warning,
        runs: runs.iter().map(|r| run_view(r, viewer, p.lang)).collect(),
        files: list_files(&dir),
        settings: s,
    })
}

/// What the screen warns of: the last attempt failed, the newest good backup is older than two
/// days, or there has never been one in a company older than two days.
fn warning(
    last_attempt: Option<&BackupRun>,
    last_ok: Option<&BackupRun>,
    created: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: Tz,
    lang: Lang,
) -> Option<String> {
    let old = |t: DateTime<Utc>| now - t > Duration::hours(WARN_AFTER_HOURS);
    match (last_attempt, last_ok) {
        (Some(r), _) if !r.ok => Some(
            lang.pick(
                "最近一次备份失败：{error}",
                "The last backup failed: {error}",
            )
            .replace("{error}", r.error.as_deref().unwrap_or("?")),
        ),
        (_, Some(ok)) if old(ok.started_at) => Some(
            lang.pick(
                "最近一次成功的备份已超过两天（{when}）。",
                "The newest good backup is more than two days old ({when}).",
            )
            .replace(
                "{when}",
                &ok.started_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            ),
        ),
        (_, None) if created.is_some_and(old) => Some(
            lang.pick("还没有任何备份。", "There is no backup yet.")
                .to_string(),
        ),
        _ => None,
    }
}

/// The newest successful attempt (attempts are few: one a day and the retries).
pub fn newest_ok(k: &Kontor) -> AppResult<Option<BackupRun>> {
    k.store.read(|tx| {
        let mut found = None;
        let mut offset = 0;
        loop {
            let page = tx.newest_live::<BackupRun>(offset, 100)?;
            if page.is_empty() {
                return Ok(found);
            }
            if let Some(r) = page.iter().find(|r| r.data.ok) {
                found = Some(r.data.clone());
                return Ok(found);
            }
            offset += page.len() as u64;
        }
    })
}

fn list_files(dir: &Path) -> Vec<BackupFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<BackupFile> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            let manual = name.starts_with("kontor-") && name.ends_with("-manual.tar");
            if scheduled_stamp(&name).is_none() && !manual {
                return None;
            }
            Some(BackupFile {
                manual,
                bytes: meta.len(),
                modified_at: meta.modified().ok().map(DateTime::<Utc>::from),
                name,
            })
        })
        .collect();
    files.sort_by(|a, b| b.name.cmp(&a.name));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_slot_is_the_latest_scheduled_time_of_the_company_clock() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let at = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        // 2026-12-07 01:00 in Shanghai is 2026-12-06 17:00 UTC: the slot is the day before.
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 17, 0, 0).unwrap();
        assert_eq!(
            slot_at(now, tz, at),
            Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap()
        );
        // 03:00 Shanghai: today's 02:00.
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 19, 0, 0).unwrap();
        assert_eq!(
            slot_at(now, tz, at),
            Utc.with_ymd_and_hms(2026, 12, 6, 18, 0, 0).unwrap()
        );
        // A time that does not exist (Berlin, 2026-03-29 02:30 skipped) is taken an hour later.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let at = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 29, 12, 0, 0).unwrap();
        assert_eq!(
            slot_at(now, berlin, at),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap()
        );
    }

    #[test]
    fn retention_keeps_the_newest_of_each_day_and_week_like_restic() {
        // Daily backups from 2026-11-01 to 2026-12-07 at 02:00, plus a second one on 12-07.
        let mut stamps: Vec<NaiveDateTime> = (0..37)
            .map(|d| t("2026-11-01 02:00") + Duration::days(d))
            .collect();
        stamps.push(t("2026-12-07 14:00"));
        let kept = keep(&stamps, 7, 4);
        let expected: Vec<NaiveDateTime> = [
            // the newest of each of the four latest ISO weeks (weeks start on Monday): 50 and
            // 49 are days kept anyway (12-07, 12-06), then weeks 48 and 47; week 46 is gone.
            "2026-11-22 02:00", // week 47
            "2026-11-29 02:00", // week 48
            // the seven latest days, the newest of each (12-07 keeps 14:00, not 02:00):
            "2026-12-01 02:00",
            "2026-12-02 02:00",
            "2026-12-03 02:00",
            "2026-12-04 02:00",
            "2026-12-05 02:00",
            "2026-12-06 02:00",
            "2026-12-07 14:00", // also the newest of week 50
        ]
        .iter()
        .map(|s| t(s))
        .collect();
        assert_eq!(kept, expected);
        // Keeping zero weeks keeps only the days; fewer backups than the limits keeps all.
        assert_eq!(keep(&stamps, 7, 0).len(), 7);
        assert_eq!(keep(&stamps[..3], 7, 4), stamps[..3].to_vec());
    }

    fn attempt(ok: bool, at: DateTime<Utc>) -> BackupRun {
        BackupRun {
            trigger: Trigger::Scheduled,
            slot: Some(at),
            started_at: at,
            finished_at: at,
            ok,
            dir: "/b".into(),
            file: ok.then(|| "kontor-20261207-020000.tar".into()),
            bytes: 1,
            error: (!ok).then(|| "No space left on device".into()),
            pruned: vec![],
        }
    }

    #[test]
    fn the_screen_warns_of_a_failure_an_old_backup_or_none_at_all() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let hours_ago = |h: i64| now - Duration::hours(h);
        let good_recent = attempt(true, hours_ago(10));
        let good_old = attempt(true, hours_ago(49));
        let failed = attempt(false, hours_ago(1));
        let w = |last: Option<&BackupRun>, ok: Option<&BackupRun>, created_h: i64| {
            warning(last, ok, Some(hours_ago(created_h)), now, tz, Lang::En)
        };
        // (last attempt, last good, company age in hours) → warning
        assert_eq!(w(Some(&good_recent), Some(&good_recent), 500), None);
        assert_eq!(
            w(Some(&failed), Some(&good_recent), 500).as_deref(),
            Some("The last backup failed: No space left on device")
        );
        assert_eq!(
            w(Some(&good_old), Some(&good_old), 500).as_deref(),
            Some("The newest good backup is more than two days old (2026-12-05 19:00).")
        );
        assert_eq!(w(None, None, 10), None, "a new company is not warned yet");
        assert_eq!(
            w(None, None, 49).as_deref(),
            Some("There is no backup yet.")
        );
        assert_eq!(
            warning(Some(&failed), None, None, now, tz, Lang::Zh).as_deref(),
            Some("最近一次备份失败：No space left on device")
        );
    }

    #[test]
    fn only_scheduled_archive_names_are_read_as_scheduled() {
        assert_eq!(
            scheduled_stamp("kontor-20261207-020000.tar"),
            Some(t("2026-12-07 02:00"))
        );
        for other in [
            "kontor-20261207-020000-manual.tar",
            "kontor-20261207.tar",
            "notes.txt",
            "kontor-20261207-020000.tar.partial",
        ] {
            assert_eq!(scheduled_stamp(other), None, "{other}");
        }
    }
}
