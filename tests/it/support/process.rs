//! Running the real `community-desk` binary from tests.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tempfile::TempDir;
use tokio::process::{Child, Command};

/// The binary under test, built by Cargo for integration tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_community-desk");

/// The log filter a spawned bot gets unless the test sets `RUST_LOG`.
const DEFAULT_RUST_LOG: &str = "info,community_desk=debug";

/// Inherited variables that configure the bot; a test must not pick them up
/// from the developer's shell by accident, so they are removed unless the
/// test passes them explicitly.
const CONFIG_PREFIXES: &[&str] = &["TELOXIDE_", "DATABASE_URL", "ADMIN_IDS", "RUST_LOG"];

/// A running bot process whose output goes to a log file.
pub struct BotProcess {
    child: Child,
    log_path: PathBuf,
    /// Holds the working directory and the log file until the process is
    /// dropped.
    _dir: TempDir,
}

impl BotProcess {
    /// Starts `community-desk run` with `env` on top of the cleaned
    /// environment.
    pub fn spawn<K, V>(env: impl IntoIterator<Item = (K, V)>) -> BotProcess
    where
        K: Into<String>,
        V: Into<String>,
    {
        BotProcess::spawn_with_args(&["run"], env)
    }

    /// Starts the binary with explicit arguments.
    pub fn spawn_with_args<K, V>(args: &[&str], env: impl IntoIterator<Item = (K, V)>) -> BotProcess
    where
        K: Into<String>,
        V: Into<String>,
    {
        let dir = tempfile::tempdir().expect("create a directory for the bot process");
        let log_path = dir.path().join("bot.log");
        let log = OpenOptions::new().create(true).append(true).open(&log_path).expect("create the bot log file");
        let mut command = command(args, env, dir.path());
        command.stdin(Stdio::null()).stdout(Stdio::from(clone_file(&log))).stderr(Stdio::from(log)).kill_on_drop(true);
        let child = command.spawn().expect("spawn the community-desk binary");
        BotProcess { child, log_path, _dir: dir }
    }

    /// The operating system's id of the process.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read(&self.log_path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
    }

    /// The path of the log file, for tests that want to keep it.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Waits until the log contains `needle`, panicking with the log after
    /// `timeout` or when the process exits first.
    pub async fn wait_for_log(&mut self, needle: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.log_text().contains(needle) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the bot exited with {status} before logging {needle:?}; log:\n{}", self.log_text());
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for the log to contain {needle:?}; log:\n{}",
                    self.log_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The exit status if the process has exited.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("poll the bot process")
    }

    /// Waits for the process to exit on its own, killing it and panicking
    /// after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.expect("wait for the bot process"),
            Err(_) => {
                self.kill().await;
                panic!("the bot did not exit within {timeout:?}; log:\n{}", self.log_text());
            }
        }
    }

    /// Asks the process to shut down gracefully with SIGTERM, through the
    /// `kill` utility so the tests need no unsafe code.
    pub fn terminate(&self) {
        let Some(pid) = self.child.id() else { return };
        let status =
            std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill -TERM");
        assert!(status.success(), "kill -TERM {pid} failed with {status}");
    }

    /// Kills the process with SIGKILL, as a crash or power loss would, and
    /// waits for it to be gone.
    pub async fn kill(&mut self) -> ExitStatus {
        // Killing an already exited child reports an error that is
        // irrelevant here; the wait below returns its status either way.
        let _ = self.child.start_kill();
        self.child.wait().await.expect("wait for the killed bot")
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        // Dropping the child without a kill would leave the bot polling the
        // next test's emulator, so make sure it is gone.
        let _ = self.child.start_kill();
    }
}

/// The result of running the binary to completion.
#[derive(Debug)]
pub struct RunOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl RunOutput {
    /// stdout and stderr together, for assertions that do not care which.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs the binary once with `args` (e.g. `import` or `--help`) in a fresh
/// working directory, and captures its output. Panics after `timeout`.
pub async fn run_once<K, V>(args: &[&str], env: impl IntoIterator<Item = (K, V)>, timeout: Duration) -> RunOutput
where
    K: Into<String>,
    V: Into<String>,
{
    let dir = tempfile::tempdir().expect("create a directory for the run");
    let mut command = command(args, env, dir.path());
    command.stdin(Stdio::null()).kill_on_drop(true);
    let output = tokio::time::timeout(timeout, command.output())
        .await
        .unwrap_or_else(|_| panic!("community-desk {args:?} did not finish within {timeout:?}"))
        .expect("run the community-desk binary");
    RunOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A command for the binary with a clean configuration environment, run in
/// `dir` so that no `.env` file of the developer's checkout is loaded.
fn command<K, V>(args: &[&str], env: impl IntoIterator<Item = (K, V)>, dir: &Path) -> Command
where
    K: Into<String>,
    V: Into<String>,
{
    let env: HashMap<String, String> = env.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    let mut command = Command::new(BINARY);
    command.args(args).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if is_config_var(&key) {
            command.env_remove(&key);
        }
    }
    if !env.contains_key("RUST_LOG") {
        command.env("RUST_LOG", DEFAULT_RUST_LOG);
    }
    command.envs(&env);
    command
}

fn is_config_var(key: &OsString) -> bool {
    let key = key.to_string_lossy();
    CONFIG_PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}

fn clone_file(file: &File) -> File {
    file.try_clone().expect("share the bot log file")
}
