//! What the benchmarks share: timed request loops with percentiles, the server process under
//! test, and the machine's figures (peak RSS, data size).

// Each benchmark uses part of this.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Figure {
    pub name: String,
    pub requests: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub baseline: Option<(&'static str, f64)>,
}

impl Figure {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs `make_request` `total` times with `concurrency` workers; latencies per request.
pub async fn measure<F, Fut>(
    name: &str,
    total: usize,
    concurrency: usize,
    make_request: F,
) -> Figure
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make_request = Arc::new(make_request);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (make_request, next) = (make_request.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let ok = make_request(i).await;
                assert!(ok, "request {i} failed");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort();
    let f = Figure {
        name: name.into(),
        requests: total,
        seconds,
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
        baseline: None,
    };
    eprintln!(
        "  {:<38} {:>9.0} req/s   p50 {:>8.2} ms   p99 {:>8.2} ms",
        f.name,
        f.rate(),
        f.p50_ms,
        f.p99_ms
    );
    f
}

/// The server under test; stopped (SIGTERM, as systemd would) however the run ends.
pub struct ServerProcess(pub std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.0.id().to_string())
            .status();
        let _ = self.0.wait();
    }
}

pub fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The most memory the process `pid` has held (VmHWM).
pub fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A request maker for `measure`: the i-th request GETs `path_for(i)`; success is a 2xx.
pub fn get_each(
    http: &reqwest::Client,
    base: &str,
    path_for: impl Fn(usize) -> String + Send + Sync + 'static,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
+ Send
+ Sync
+ Clone
+ 'static {
    let (http, base) = (http.clone(), base.to_string());
    let path_for = Arc::new(path_for);
    move |i| {
        let (http, url) = (http.clone(), format!("{base}{}", path_for(i)));
        Box::pin(async move {
            http.get(url)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
        })
    }
}

/// The commit measured, the CPU's model name and the cores: (commit, cpu, cores).
pub fn machine() -> (String, String, usize) {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    (commit.trim().to_string(), cpu, cores)
}

/// The figures as a Markdown table, each with its ratio to its baseline.
pub fn rows(figures: &[Figure]) -> String {
    let mut table = String::from(
        "| operation | req/s | p50 ms | p99 ms | ratio to baseline |\n|---|---:|---:|---:|---|\n",
    );
    for f in figures {
        let ratio = match f.baseline {
            Some((name, b)) => format!("{:.3} of {name}", f.rate() / b),
            None if f.name.starts_with("health") => "baseline".into(),
            None => "—".into(),
        };
        table.push_str(&format!(
            "| {} | {:.0} | {:.2} | {:.2} | {ratio} |\n",
            f.name,
            f.rate(),
            f.p50_ms,
            f.p99_ms
        ));
    }
    table
}
