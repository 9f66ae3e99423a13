//! Scheduled backups (issue 16, operations): the job with a moved clock writes one backup per
//! slot, catches up once after downtime, keeps 7 daily + 4 weekly (restic's rule) and never
//! deletes a backup made by hand or a stranger's file; a failed slot notifies the
//! administrators once, retries an hour later, and the screen warns; the backup restores.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestServer, code};

/// 03:00 in Shanghai (the default company time zone) on the `n`th day from now.
fn morning(n: i64) -> DateTime<Utc> {
    let day = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        + Duration::days(n);
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&day.and_hms_opt(3, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn archives(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_scheduled_backup_runs_once_a_day_and_keeps_seven_days_and_four_weeks() {
    let (s, admin) = TestServer::with_admin().await;
    let k = s.kontor();
    let dir = s.data_dir().join("backups");
    // A backup by hand and a file of someone else's, both in the backup directory.
    let manual = admin.send(Method::POST, "/api/v1/backups/run", None).await;
    assert_eq!(manual.0, StatusCode::OK, "{}", manual.1);
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();

    // Forty days of the job running every few minutes (here: at 03:00, 03:05 and 09:00).
    for day in 1..=40 {
        for at in [
            morning(day),
            morning(day) + Duration::minutes(5),
            morning(day) + Duration::hours(6),
        ] {
            let k = k.clone();
            let made = tokio::task::spawn_blocking(move || {
                kontor::domain::backups::run_due(&k, at).unwrap()
            })
            .await
            .unwrap();
            assert_eq!(made.is_some(), at == morning(day), "day {day} at {at}");
        }
    }
    let names = archives(&dir);
    let stamp = |n: i64| {
        (morning(n).with_timezone(&chrono_tz::Asia::Shanghai) - Duration::hours(1))
            .format("kontor-%Y%m%d-%H%M%S.tar")
            .to_string()
    };
    let scheduled: Vec<&String> = names
        .iter()
        .filter(|n| !n.contains("manual") && n.ends_with(".tar"))
        .collect();
    // The last seven days, and the newest of each of the four latest ISO weeks.
    for n in 34..=40 {
        assert!(names.contains(&stamp(n)), "day {n} kept: {names:?}");
    }
    let week = |n: i64| {
        let w = (morning(n).with_timezone(&chrono_tz::Asia::Shanghai))
            .date_naive()
            .iso_week();
        (w.year(), w.week())
    };
    use chrono::Datelike;
    let mut weeks: Vec<(i32, u32)> = (1..=40).map(week).collect();
    weeks.dedup();
    let last_four: Vec<(i32, u32)> = weeks.iter().rev().take(4).cloned().collect();
    for w in &last_four {
        let newest = (1..=40).rev().find(|n| week(*n) == *w).unwrap();
        assert!(
            names.contains(&stamp(newest)),
            "week {w:?} keeps day {newest}: {names:?}"
        );
    }
    let expected: std::collections::BTreeSet<String> = (34..=40)
        .map(stamp)
        .chain(
            last_four
                .iter()
                .map(|w| stamp((1..=40).rev().find(|n| week(*n) == *w).unwrap())),
        )
        .collect();
    assert_eq!(
        scheduled
            .iter()
            .map(|s| s.to_string())
            .collect::<std::collections::BTreeSet<_>>(),
        expected,
        "exactly the kept ones remain"
    );
    assert!(
        names.iter().any(|n| n.ends_with("-manual.tar")),
        "the backup by hand stays"
    );
    assert!(
        names.contains(&"notes.txt".to_string()),
        "a stranger's file stays"
    );

    // After downtime, the job catches up with the latest slot once, not with every missed one.
    let k2 = k.clone();
    let made = tokio::task::spawn_blocking(move || {
        let first = kontor::domain::backups::run_due(&k2, morning(45)).unwrap();
        let again =
            kontor::domain::backups::run_due(&k2, morning(45) + Duration::minutes(1)).unwrap();
        (first.is_some(), again.is_some())
    })
    .await
    .unwrap();
    assert_eq!(made, (true, false));

    // The screen lists the archives and the last good run; the newest backup restores.
    let status = admin.get("/api/v1/backups").await;
    assert_eq!(status["warning"], serde_json::Value::Null, "{status}");
    assert_eq!(status["last_ok"]["file"], json!(stamp(45)));
    let listed: Vec<&str> = status["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed[0], stamp(45), "newest first: {listed:?}");
    assert!(
        listed.iter().any(|n| n.ends_with("-manual.tar")),
        "{listed:?}"
    );
    assert!(!listed.contains(&"notes.txt"), "only archives are listed");
    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().join("data");
    kontor::store::restore_backup(&dir.join(stamp(45)), &target).unwrap();
    let reopened = kontor::domain::Kontor::open(&target).unwrap();
    let company = kontor::domain::company::get(&reopened).unwrap();
    assert!(!company.name.is_empty());
    reopened.shutdown();
}

#[tokio::test]
async fn a_failed_backup_warns_the_screen_and_tells_the_admins_once() {
    let (s, admin) = TestServer::with_admin().await;
    let k = s.kontor();
    let second_disk = s.data_dir().join("second-disk");
    std::fs::create_dir_all(&second_disk).unwrap();
    let (st, body) = admin
        .send(
            Method::PUT,
            "/api/v1/backups/settings",
            Some(json!({"enabled": true, "at": "2:00", "dir": second_disk, "keep_daily": 7, "keep_weekly": 4})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["settings"]["at"], "02:00");
    assert_eq!(body["dir"], json!(second_disk));
    // The disk goes away and a file takes the directory's place: nothing can be written.
    std::fs::remove_dir_all(&second_disk).unwrap();
    std::fs::write(&second_disk, "not a directory").unwrap();
    let run = |at: DateTime<Utc>| {
        let k = k.clone();
        async move {
            tokio::task::spawn_blocking(move || kontor::domain::backups::run_due(&k, at).unwrap())
                .await
                .unwrap()
        }
    };
    let first = run(morning(1)).await.expect("an attempt");
    assert!(!first.ok && first.error.is_some());
    assert!(
        run(morning(1) + Duration::minutes(30)).await.is_none(),
        "no retry within the hour"
    );
    let retry = run(morning(1) + Duration::minutes(61))
        .await
        .expect("a retry after an hour");
    assert!(!retry.ok);
    let inbox = admin.get("/api/v1/notifications").await;
    let told: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "backup_failed")
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(told.len(), 1, "told once: {inbox}");
    assert!(told[0].contains("second-disk"), "{told:?}");
    let status = admin.clone().zh().get("/api/v1/backups").await;
    assert!(
        status["warning"]
            .as_str()
            .unwrap()
            .starts_with("最近一次备份失败"),
        "{status}"
    );
    // The disk is back: the next attempt succeeds and the warning goes.
    std::fs::remove_file(&second_disk).unwrap();
    std::fs::create_dir_all(&second_disk).unwrap();
    assert!(run(morning(1) + Duration::minutes(122)).await.unwrap().ok);
    let status = admin.get("/api/v1/backups").await;
    assert_eq!(status["warning"], serde_json::Value::Null, "{status}");
    assert_eq!(archives(&second_disk).len(), 1);
}

#[tokio::test]
async fn backup_settings_refuse_bad_input_and_other_roles() {
    let (s, admin) = TestServer::with_admin().await;
    let cases = [
        (
            json!({"enabled": true, "at": "25:00", "dir": null, "keep_daily": 7, "keep_weekly": 4}),
            "at",
        ),
        (
            json!({"enabled": true, "at": "02:00", "dir": "backups", "keep_daily": 7, "keep_weekly": 4}),
            "dir",
        ),
        (
            json!({"enabled": true, "at": "02:00", "dir": "/no/such/disk", "keep_daily": 7, "keep_weekly": 4}),
            "dir",
        ),
        (
            json!({"enabled": true, "at": "02:00", "dir": null, "keep_daily": 0, "keep_weekly": 4}),
            "keep_daily",
        ),
        (
            json!({"enabled": true, "at": "02:00", "dir": null, "keep_daily": 7, "keep_weekly": 53}),
            "keep_weekly",
        ),
    ];
    for (input, field) in cases {
        let (st, body) = admin
            .send(Method::PUT, "/api/v1/backups/settings", Some(input))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    let (_, rep) = s.user(&admin, "rep", "sales", &[]).await;
    let (st, body) = rep.send(Method::GET, "/api/v1/backups", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "forbidden");
    let (st, _) = rep.send(Method::POST, "/api/v1/backups/run", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_doctor_reports_backups_permissions_and_the_index() {
    use kontor::domain::operations::{Health, diagnose};
    use std::os::unix::fs::PermissionsExt;
    let (s, admin) = TestServer::with_admin().await;
    let k = s.kontor();
    let health = |k: &kontor::domain::Kontor, topic: &str| {
        diagnose(k)
            .into_iter()
            .find(|f| f.topic == topic)
            .map(|f| (f.health, f.detail))
            .unwrap()
    };
    std::fs::set_permissions(s.data_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (h, detail) = health(&k, "permissions");
    assert_eq!(h, Health::Warn, "{detail}");
    assert!(detail.contains("chmod 700"), "{detail}");
    std::fs::set_permissions(s.data_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(health(&k, "permissions").0, Health::Ok);

    assert_eq!(health(&k, "backups").0, Health::Warn, "no backup yet");
    let (st, _) = admin.send(Method::POST, "/api/v1/backups/run", None).await;
    assert_eq!(st, StatusCode::OK);
    let (h, detail) = health(&k, "backups");
    assert_eq!(h, Health::Ok, "{detail}");
    assert!(detail.contains("-manual.tar"), "{detail}");
    assert_eq!(health(&k, "clock").0, Health::Ok);
    assert_eq!(health(&k, "search index").0, Health::Ok);
    assert!(diagnose(&k).iter().any(|f| f.topic == "disk"));
}
