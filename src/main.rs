//! The `kontor` command: serve, backup, restore, check, reindex, admin, dedupe, openapi.

use std::io::{BufRead, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};
use kontor::domain::{Kontor, StartError, demo, operations};
use kontor::store::OpenError;

// glibc's allocator keeps freed memory in per-thread arenas that tokio's blocking threads spread
// over; mimalloc gives it back and allocates faster (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's defaults trade memory for speed: freed memory goes back to the system only after a
/// delay, and transparent huge pages commit 2 MiB at a time. On a shared office machine the
/// server should hold what it uses: both off (this halved the benchmark's peak RSS). An
/// environment setting (`MIMALLOC_PURGE_DELAY`, `MIMALLOC_ALLOW_THP`) still wins.
#[allow(unsafe_code)]
fn tune_allocator() {
    // Positions in mimalloc v3's `mi_option_e` (mimalloc.h), which the crate does not name.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;
    for (option, env) in [
        (PURGE_DELAY, "MIMALLOC_PURGE_DELAY"),
        (ALLOW_THP, "MIMALLOC_ALLOW_THP"),
    ] {
        if std::env::var_os(env).is_none() {
            // SAFETY: called first thing in `main`, before any other thread exists (the
            // setter is not thread-safe); both options take a number.
            unsafe { libmimalloc_sys::mi_option_set(option, 0) };
        }
    }
}

#[derive(Parser)]
#[command(
    name = "kontor",
    version,
    about = "The back office of a small export firm, in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DataArg {
    /// The data directory (database, search index, files, backups).
    #[arg(long, env = "KONTOR_DATA", default_value = "./data")]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Starts the server: web app, API, search indexer and scheduled jobs.
    Serve {
        /// The data directory [default: ./data, or ./data-demo with --demo].
        #[arg(long, env = "KONTOR_DATA")]
        data: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, env = "KONTOR_LISTEN", default_value = "0.0.0.0:8080")]
        listen: SocketAddr,
        /// Start with the demo company (in its own data directory unless --data is given); the
        /// login page shows the demo accounts.
        #[arg(long)]
        demo: bool,
        /// The largest file one may attach to a record, in MiB.
        #[arg(long, env = "KONTOR_MAX_UPLOAD_MIB", default_value_t = 25)]
        max_upload_mib: u64,
    },
    /// Writes a consistent backup of the data directory, also while the server runs.
    Backup {
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        data: DataArg,
    },
    /// Restores a backup into an empty (or new) data directory.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        data: PathBuf,
    },
    /// Verifies the database and that the search index agrees with it.
    Check {
        #[command(flatten)]
        data: DataArg,
    },
    /// Reports disk space, backups, the clock, the search index's lag and the data directory's
    /// permissions; exits non-zero when anything needs a look.
    Doctor {
        #[command(flatten)]
        data: DataArg,
    },
    /// Rebuilds the search index from the database.
    Reindex {
        #[command(flatten)]
        data: DataArg,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
    /// Duplicate detection tools.
    Dedupe {
        #[command(subcommand)]
        task: DedupeTask,
    },
    /// Prints the OpenAPI document (the one served at /api/openapi.json) as JSON, without
    /// starting a server or opening a data directory.
    Openapi,
}

#[derive(Subcommand)]
enum DedupeTask {
    /// Checks the duplicate rules against example pairs. Each line of FILE is
    /// `expect<TAB>field<TAB>a<TAB>b<TAB>note`: expect is `match` or `nomatch`, field is `name`,
    /// `email`, `phone` or `website`; `#` starts a comment line. A phone may start with its
    /// country (`DE:030 1234567`). Prints a verdict per pair and `N passed, N failed`; exits
    /// non-zero when a pair fails.
    Pairs {
        file: PathBuf,
        /// Country (ISO code) for phone numbers written without a country code.
        #[arg(long, default_value = "CN")]
        region: String,
    },
}

#[derive(Subcommand)]
enum AdminTask {
    /// Sets a new password for a user (prints a generated one unless --password-stdin), enables
    /// the account and ends its sessions.
    ResetPassword {
        username: String,
        /// Read the new password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataArg,
    },
}

fn main() -> ExitCode {
    tune_allocator();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KONTOR_LOG")
                .unwrap_or_else(|_| "info,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kontor: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            data,
            listen,
            demo,
            max_upload_mib,
        } => {
            let data =
                data.unwrap_or_else(|| PathBuf::from(if demo { "./data-demo" } else { "./data" }));
            serve(&data, listen, demo, max_upload_mib)
        }
        Command::Backup { to, data } => {
            let to = absolute(&to)?;
            with_data(&data.data, "backup", serde_json::json!({ "to": to }), |k| {
                operations::backup(k, &to, &|line| println!("{line}"))
            })
        }
        Command::Restore { from, data } => {
            let db = kontor::store::restore_backup(&from, &data)?;
            // Open once: verifies every page and builds the search index.
            let k = open(&data)?;
            let summary = operations::check(&k);
            k.shutdown();
            println!("restored {} into {}", from.display(), db.display());
            summary.map(|s| println!("{s}"))
        }
        Command::Check { data } => with_data(
            &data.data,
            "check",
            serde_json::json!({}),
            operations::check,
        ),
        Command::Doctor { data } => with_data(
            &data.data,
            "doctor",
            serde_json::json!({}),
            operations::doctor,
        ),
        Command::Reindex { data } => with_data(&data.data, "reindex", serde_json::json!({}), |k| {
            let n = k.reindex(&mut |n| println!("{n} records indexed"))?;
            Ok(format!("search index rebuilt: {n} records"))
        }),
        Command::Admin {
            task:
                AdminTask::ResetPassword {
                    username,
                    password_stdin,
                    data,
                },
        } => {
            let (password, show) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| e.to_string())?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (kontor::auth::random_token()[..16].to_string(), true)
            };
            let body = serde_json::json!({ "username": username, "password": password });
            with_data(&data.data, "reset-password", body, |k| {
                operations::reset_password(k, &username, &password)
                    .map_err(|e| e.message(kontor::i18n::Lang::En).to_string())?;
                Ok(format!(
                    "password of {username} reset; the account is enabled and its sessions ended"
                ))
            })?;
            if show {
                println!("new password for {username}: {password}");
                println!("(log in and change it under My profile)");
            }
            Ok(())
        }
        Command::Dedupe {
            task: DedupeTask::Pairs { file, region },
        } => dedupe_pairs(&file, &region),
        Command::Openapi => {
            let json = kontor::api::openapi()
                .to_pretty_json()
                .map_err(|e| e.to_string())?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{json}")
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write the document: {e}"))
        }
    }
}

/// `kontor dedupe pairs`: one line per pair, then `N passed, N failed`.
fn dedupe_pairs(file: &Path, region: &str) -> Result<(), String> {
    use kontor::domain::dedup::{self, Field};
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|e| format!("{} is not UTF-8: {e}", file.display()))?;
    let (mut passed, mut failed) = (0usize, 0usize);
    for (n, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let number = n + 1;
        let fields: Vec<&str> = line.split('\t').collect();
        let parsed = if fields.len() < 4 {
            Err(format!(
                "expected expect<TAB>field<TAB>a<TAB>b<TAB>note, found {} field{}",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            ))
        } else {
            let expect = match fields[0].trim().to_ascii_lowercase().as_str() {
                "match" => Ok(true),
                "nomatch" => Ok(false),
                other => Err(format!("expect must be match or nomatch, not {other:?}")),
            };
            expect.and_then(|e| fields[1].parse::<Field>().map(|f| (e, f)))
        };
        let (expect, field) = match parsed {
            Ok(p) => p,
            Err(message) => {
                failed += 1;
                println!("FAIL  line {number:<4} malformed: {message}");
                continue;
            }
        };
        let (a, b) = (fields[2].trim(), fields[3].trim());
        let result = if field == Field::Phone {
            dedup::phone_similarity(&with_country(a, region), &with_country(b, region), region)
        } else {
            dedup::similarity(field, a, b, region)
        };
        let ok = result.is_match() == expect;
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        println!(
            "{}  line {number:<4} {:<7} {:<7} {:.2}  {}  [{a} | {b}]",
            if ok { "PASS" } else { "FAIL" },
            if expect { "match" } else { "nomatch" },
            field,
            result.score,
            result.reason_in(kontor::i18n::Lang::En),
        );
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        Err(format!("{failed} of {} pairs failed", passed + failed))
    } else {
        Ok(())
    }
}

/// A phone written with its country first (`DE:030 1234567`) in E.164; otherwise as written.
fn with_country(phone: &str, default_region: &str) -> String {
    match phone.split_once(':') {
        Some((country, number))
            if country.trim().len() == 2
                && country.trim().chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            kontor::domain::dedup::phone_e164(number, country.trim())
                .or_else(|| kontor::domain::dedup::phone_e164(number, default_region))
                .unwrap_or_else(|| number.to_string())
        }
        _ => phone.to_string(),
    }
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn open(data: &Path) -> Result<Kontor, String> {
    Kontor::open(data).map_err(|e| e.to_string())
}

/// Runs `direct` on the data directory, or, when a running server holds it, asks the server to
/// run the same operation through its control socket.
fn with_data(
    data: &Path,
    op: &str,
    body: serde_json::Value,
    direct: impl FnOnce(&Kontor) -> Result<String, String>,
) -> Result<(), String> {
    match Kontor::open(data) {
        Ok(k) => {
            let result = direct(&k);
            k.shutdown();
            result.map(|summary| println!("{summary}"))
        }
        Err(StartError::Open(OpenError::InUse(_))) => control(data, op, &body),
        Err(e) => Err(e.to_string()),
    }
}

/// Sends one request over the control socket and prints the streamed answer.
fn control(data: &Path, op: &str, body: &serde_json::Value) -> Result<(), String> {
    let path = kontor::api::control::socket_path(data);
    let mut stream = std::os::unix::net::UnixStream::connect(&path).map_err(|e| {
        format!(
            "the data file is in use, but the server's control socket {} does not answer: {e}",
            path.display()
        )
    })?;
    let body = body.to_string();
    let request = format!(
        "POST /{op} HTTP/1.1\r\nHost: kontor\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let (head, payload) = text
        .split_once("\r\n\r\n")
        .ok_or("the server sent no answer")?;
    let payload = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(payload)
    } else {
        payload.to_string()
    };
    let mut ok = false;
    for line in payload.lines() {
        if let Some(summary) = line.strip_prefix("OK ") {
            println!("{summary}");
            ok = true;
        } else if let Some(err) = line.strip_prefix("ERROR ") {
            eprintln!("{err}");
        } else {
            println!("{line}");
        }
    }
    if ok {
        Ok(())
    } else {
        Err(format!("{op} failed"))
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn serve(
    data: &Path,
    listen: SocketAddr,
    demo_mode: bool,
    max_upload_mib: u64,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let mut k = open(data)?;
    k.files
        .set_limit(max_upload_mib.saturating_mul(1024 * 1024));
    if demo_mode {
        k.demo = Some(demo::seed(&k).map_err(|e| e.message(kontor::i18n::Lang::En).to_string())?);
    }
    let k = Arc::new(k);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let server = kontor::server::Server::start(k.clone(), listen, true)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let stop_jobs = Arc::new(AtomicBool::new(false));
        let jobs = kontor::jobs::spawn(k.clone(), stop_jobs.clone());
        println!(
            "Kontor {} is ready in {:.1}s. Data: {}",
            env!("CARGO_PKG_VERSION"),
            started.elapsed().as_secs_f32(),
            data.display()
        );
        println!("Open it in a browser on this network:");
        for url in kontor::server::lan_urls(server.addr) {
            println!("  {url}");
        }
        if k.demo.is_some() {
            println!("Demo company: log in as admin / {}", demo::DEMO_PASSWORD);
        }
        shutdown_signal().await;
        println!("stopping…");
        stop_jobs.store(true, std::sync::atomic::Ordering::SeqCst);
        server.stop().await;
        let _ = jobs.join();
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}
