//! A real browser for tests of web pages: headless Chromium driven over
//! WebDriver (Debian's `chromium` and `chromium-driver`, which `.ci/run`
//! installs), with screenshots written to a folder per test under Cargo's
//! target directory.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// How long a wait for something on the page lasts before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A headless Chromium session and the chromedriver behind it; both end
/// when it is dropped.
pub struct Browser {
    pub client: Client,
    _driver: Child,
    shots: PathBuf,
    taken: usize,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session in a window
    /// of `width` × `height`, keeping screenshots in
    /// `target/tmp/screenshots/<test>/`.
    pub async fn start(test: &str, width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver is not installed: apt-get install -y chromium chromium-driver (as .ci/run does)");
        let url = format!("http://127.0.0.1:{port}");
        let capabilities = json!({
            "goog:chromeOptions": {
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         format!("--window-size={width},{height}")],
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object") };
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let client = loop {
            match ClientBuilder::native().capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => break client,
                Err(error) if tokio::time::Instant::now() > deadline => {
                    panic!("could not open a Chromium session through chromedriver: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots").join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("create the screenshot folder");
        Browser { client, _driver: driver, shots, taken: 0 }
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|error| panic!("could not open {url}: {error}"));
    }

    /// Waits for an element matching `css`, failing the test after
    /// [`PATIENCE`] with a screenshot of how the page looked.
    pub async fn wait_for(&mut self, what: &str, css: &str) -> Element {
        match self.client.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(error) => {
                let shot = self.screenshot(&format!("timed-out-{what}")).await;
                panic!("waited in vain for {what} ({css}): {error}; the page is in {}", shot.display())
            }
        }
    }

    /// Waits for an element matching `css` whose text contains `needle`.
    pub async fn wait_for_text(&mut self, what: &str, css: &str, needle: &str) -> Element {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Ok(found) = self.client.find_all(Locator::Css(css)).await {
                for element in found {
                    if element.text().await.is_ok_and(|text| text.contains(needle)) {
                        return element;
                    }
                }
            }
            if tokio::time::Instant::now() > deadline {
                let shot = self.screenshot(&format!("timed-out-{what}")).await;
                panic!("waited in vain for {what} ({css} with {needle:?}); the page is in {}", shot.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&mut self, what: &str, css: &str) {
        let element = self.wait_for(what, css).await;
        element.click().await.unwrap_or_else(|error| panic!("could not click {what}: {error}"));
    }

    /// Types `text` into the field matching `css` (or, for a file input,
    /// chooses the file at that path).
    pub async fn type_into(&mut self, what: &str, css: &str, text: &str) {
        let element = self.wait_for(what, css).await;
        element.send_keys(text).await.unwrap_or_else(|error| panic!("could not type into {what}: {error}"));
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn run(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|error| panic!("the script failed: {error}"))
    }

    /// Writes a screenshot of the window as `NN-<name>.png` and returns its
    /// path.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.taken += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.taken));
        match self.client.screenshot().await {
            Ok(png) => std::fs::write(&path, png).expect("write the screenshot"),
            Err(error) => eprintln!("could not take screenshot {name}: {error}"),
        }
        path
    }
}

impl Browser {
    /// Ends the session, which closes Chromium.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}
