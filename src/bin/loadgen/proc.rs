//! Child processes, their CPU and memory, and the throwaway databases they
//! run on. Everything here cleans up in `Drop`, so an error or a panic in
//! the middle of a run leaves no bot running and no database behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use community_desk::store::scratch::ScratchDatabase;

/// A child process that is killed when the guard is dropped. Its output goes
/// to a log file, which a pipe nobody reads could otherwise fill and stall.
pub struct ChildGuard {
    name: String,
    child: Child,
    log: PathBuf,
    /// Whether the log stays after the process is gone.
    pub keep_log: bool,
}

impl ChildGuard {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> anyhow::Result<ChildGuard> {
        let out = std::fs::File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let err = out.try_clone().context("duplicate the log file handle")?;
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command.spawn().with_context(|| format!("start {name}"))?;
        Ok(ChildGuard { name: name.to_string(), child, log, keep_log: false })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails with the end of the log if the process has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait().context("poll the child")? {
            bail!("{} exited early ({status}); the end of its log:\n{}", self.name, self.log_tail(40));
        }
        Ok(())
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Counts log lines at WARN or ERROR, which a clean run should not have.
    pub fn log_problems(&self) -> usize {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().filter(|l| l.contains(" WARN ") || l.contains(" ERROR ")).count()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // SIGKILL: the figures were read before, and a benchmark database
        // has nothing to keep.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_log {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// Runs a command to completion within `timeout`, killing it after that.
pub fn run_with_timeout(name: &str, mut command: Command, timeout: Duration) -> anyhow::Result<String> {
    let log = std::env::temp_dir().join(format!("loadgen-{}.log", uuid::Uuid::new_v4().simple()));
    let out = std::fs::File::create(&log).with_context(|| format!("create {}", log.display()))?;
    let err = out.try_clone().context("duplicate the log file handle")?;
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    let mut child = command.spawn().with_context(|| format!("start {name}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().context("poll the child")? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&log);
            bail!("{name} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    if !status.success() {
        bail!("{name} failed ({status}):\n{output}");
    }
    Ok(output)
}

/// CPU time and memory of a process, from /proc.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User plus system CPU seconds since the process started.
    pub cpu_secs: f64,
    /// Peak resident set size (VmHWM), in MiB.
    pub peak_mib: f64,
    /// Current resident set size (VmRSS), in MiB.
    pub rss_mib: f64,
}

pub fn usage(pid: u32) -> anyhow::Result<Usage> {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("read /proc/{pid}/stat"))?;
    // The command name in parentheses may contain spaces; the fields after
    // it are fixed: state is field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).context("parse /proc/<pid>/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    let cpu_secs = (ticks(11) + ticks(12)) as f64 / clock_ticks_per_sec();
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).with_context(|| format!("read /proc/{pid}/status"))?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(Usage { cpu_secs, peak_mib: kib("VmHWM:") / 1024.0, rss_mib: kib("VmRSS:") / 1024.0 })
}

/// The kernel's clock tick, which /proc counts CPU time in. Asked of
/// `getconf` once, since the standard library does not expose `sysconf`;
/// 100 is the value on every Linux we know.
fn clock_ticks_per_sec() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The page cache waiting to be written back to disk, in MiB
/// (`Dirty:` in /proc/meminfo).
pub fn dirty_mib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("Dirty:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Writes what a phase left behind to disk and says how long that took:
/// PostgreSQL's changed pages (a `CHECKPOINT`, when `postgres` is the URL of
/// a PostgreSQL database), then the page cache (`sync`).
///
/// A phase leaves tens of megabytes of changed pages in PostgreSQL's buffers
/// and the page cache, which reach the disk some thirty seconds later, in
/// the middle of the next phase, where a commit waiting for the disk then
/// waits behind them (BENCHMARKS.md). Settling them between
/// phases measures each phase on its own.
pub async fn settle_writeback(postgres: Option<&str>) -> anyhow::Result<Duration> {
    use sqlx::Connection;
    let started = Instant::now();
    if let Some(url) = postgres {
        let mut connection = sqlx::PgConnection::connect(url).await.context("connect to PostgreSQL")?;
        sqlx::query("CHECKPOINT").execute(&mut connection).await.context("CHECKPOINT")?;
        connection.close().await.context("disconnect from PostgreSQL")?;
    }
    let status = Command::new("sync").status().context("run sync")?;
    anyhow::ensure!(status.success(), "sync failed ({status})");
    Ok(started.elapsed())
}

/// A temporary directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> anyhow::Result<TempDir> {
        let path = std::env::temp_dir().join(format!("loadgen-{label}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).with_context(|| format!("create {}", path.display()))?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database for one run: a SQLite file in a temporary directory, or a
/// fresh PostgreSQL database dropped afterwards.
pub struct Database {
    pub url: String,
    pub dir: TempDir,
    /// Held so that the PostgreSQL database is dropped with this value.
    _postgres: Option<ScratchDatabase>,
}

impl Database {
    pub fn sqlite(label: &str) -> anyhow::Result<Database> {
        let dir = TempDir::new(label)?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("desk.db").display());
        Ok(Database { url, dir, _postgres: None })
    }

    /// Creates a fresh database on the server of `admin_url`. Fails quickly
    /// (five seconds) when the server is unreachable, so that the caller can
    /// skip PostgreSQL with a clear line.
    pub async fn postgres(label: &str, admin_url: &str) -> anyhow::Result<Database> {
        let dir = TempDir::new(label)?;
        let prefix = format!("loadgen_{label}_");
        let database = tokio::time::timeout(Duration::from_secs(5), ScratchDatabase::create(admin_url, &prefix))
            .await
            .context("PostgreSQL did not answer within 5 s")?
            .context("create a database on PostgreSQL")?;
        Ok(Database { url: database.url.clone(), dir, _postgres: Some(database) })
    }
}
