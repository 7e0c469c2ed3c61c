//! A real headless Chromium (Debian's `chromium`, installed by scripts/install-chromium.sh)
//! driven over the DevTools protocol with `chromiumoxide`: launch with the flags this machine
//! needs as root, a fresh profile, every request the page makes recorded, small helpers to
//! run JavaScript in the page, click and type like a person, and wait for the dashboard.
#![allow(dead_code)]

use chromiumoxide::cdp::browser_protocol::browser::{
    SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::emulation::{
    MediaFeature, SetDeviceMetricsOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::network::EventRequestWillBeSent;
use chromiumoxide::cdp::js_protocol::runtime::EventExceptionThrown;
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where Debian installs Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long any wait may take before the test fails (a hang guard, not a timing check).
const WAIT: Duration = Duration::from_secs(60);

/// Whether the browser test can run; outside CI a missing Chromium skips it with a printed
/// line, in CI (`CI` set) it fails, since scripts/test.sh installs it there.
pub fn available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is missing in CI: scripts/test.sh runs scripts/install-chromium.sh first"
    );
    println!(
        "SKIPPED: browser test: {CHROMIUM} is missing (run scripts/install-chromium.sh as root)"
    );
    false
}

/// A running Chromium with one tab; closed on drop.
pub struct Chrome {
    browser: Browser,
    pub page: Page,
    /// Every URL the tab requested, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Uncaught script exceptions in the tab.
    pub exceptions: Arc<Mutex<Vec<String>>>,
    profile: PathBuf,
    downloads: PathBuf,
}

impl Chrome {
    /// Launches Chromium headless with a fresh profile directory.
    pub async fn launch() -> Chrome {
        let profile = std::env::temp_dir().join(format!(
            "unishare-chromium-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        let config = BrowserConfig::builder()
            .chrome_executable(CHROMIUM)
            .disable_default_args()
            .no_sandbox()
            .user_data_dir(&profile)
            .args([
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-dev-shm-usage",
                "--disable-features=Translate,MediaRouter,OptimizationHints",
                "--password-store=basic",
                "--lang=en-US",
            ])
            .window_size(1366, 900)
            .viewport(Viewport {
                width: 1366,
                height: 900,
                ..Viewport::default()
            })
            .request_timeout(Duration::from_secs(30))
            .launch_timeout(Duration::from_secs(60))
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
        tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page("about:blank").await.expect("new tab");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let mut sent = page
            .event_listener::<EventRequestWillBeSent>()
            .await
            .expect("request events");
        let log = requests.clone();
        tokio::spawn(async move {
            while let Some(ev) = sent.next().await {
                log.lock().unwrap().push(ev.request.url.clone());
            }
        });
        let exceptions = Arc::new(Mutex::new(Vec::new()));
        let mut thrown = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("exception events");
        let log = exceptions.clone();
        tokio::spawn(async move {
            while let Some(ev) = thrown.next().await {
                let d = &ev.exception_details;
                let text = d
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| d.text.clone());
                log.lock().unwrap().push(text);
            }
        });
        // Content-Security-Policy violations, counted by the page (CDP scripts bypass CSP).
        // Downloads land in a directory of the profile, where the test reads them.
        let downloads = profile.join("downloads");
        std::fs::create_dir_all(&downloads).expect("downloads dir");
        browser
            .execute(
                SetDownloadBehaviorParams::builder()
                    .behavior(SetDownloadBehaviorBehavior::Allow)
                    .download_path(downloads.display().to_string())
                    .build()
                    .expect("download behavior"),
            )
            .await
            .expect("allow downloads");
        page.evaluate_on_new_document(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
        )
        .await
        .expect("init script");
        Chrome {
            browser,
            page,
            requests,
            exceptions,
            profile,
            downloads,
        }
    }

    /// Evaluates `expr` (awaiting a promise) and returns its JSON value.
    pub async fn js<T: DeserializeOwned>(&self, expr: &str) -> T {
        self.page
            .evaluate_expression(expr)
            .await
            .unwrap_or_else(|e| panic!("evaluating {expr}: {e}"))
            .into_value()
            .unwrap_or_else(|e| panic!("result of {expr}: {e}"))
    }

    /// Waits until `expr` is true; `what` names the wait in the failure.
    pub async fn until(&self, expr: &str, what: &str) {
        let start = std::time::Instant::now();
        loop {
            if self.js::<bool>(&format!("!!({expr})")).await {
                return;
            }
            if start.elapsed() > WAIT {
                let page: String = self
                    .js("`state ${document.body.dataset.state}; error: ${(document.getElementById('error') || {}).textContent}; toast: ${(document.getElementById('toast') || {}).textContent}`")
                    .await;
                panic!("timed out waiting for {what} ({page})");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Views the dashboard has rendered so far (`body[data-loads]`).
    pub async fn loads(&self) -> u64 {
        self.js::<String>("document.body.dataset.loads")
            .await
            .parse()
            .unwrap_or(0)
    }

    /// Waits until the dashboard rendered a view after `before` and is idle.
    pub async fn rendered_after(&self, before: u64) {
        self.until(
            &format!("Number(document.body.dataset.loads) > {before} && document.body.dataset.busy === '0'"),
            "the dashboard to render",
        )
        .await;
    }

    /// Opens `url` and waits for the dashboard's first view (or its key prompt, `state`).
    pub async fn open(&self, url: &str, state: &str) {
        self.page.goto(url).await.expect("navigate");
        self.until(
            &format!("document.body.dataset.state === '{state}'"),
            &format!("state {state} at {url}"),
        )
        .await;
    }

    /// Clicks the element `selector` with a real mouse event (scrolled into view first).
    pub async fn click(&self, selector: &str) {
        self.page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("no element {selector}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {selector}: {e}"));
    }

    /// Clicks `selector` and waits for the view it triggers.
    pub async fn click_and_render(&self, selector: &str) {
        let before = self.loads().await;
        self.click(selector).await;
        self.rendered_after(before).await;
    }

    /// Focuses `selector`, types `text` key by key, then presses `key` (e.g. "Enter").
    pub async fn type_into(&self, selector: &str, text: &str, key: Option<&str>) {
        let el = self
            .page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("no element {selector}: {e}"));
        el.click().await.expect("focus");
        el.type_str(text).await.expect("type");
        if let Some(k) = key {
            el.press_key(k).await.expect("key");
        }
    }

    /// Focuses `selector` and presses `key` on it (keyboard use, no mouse).
    pub async fn press(&self, selector: &str, key: &str) {
        self.page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("no element {selector}: {e}"))
            .focus()
            .await
            .expect("focus")
            .press_key(key)
            .await
            .expect("key");
    }

    /// Emulates `prefers-color-scheme: dark` (or light).
    pub async fn dark(&self, on: bool) {
        self.page
            .emulate_media_features(vec![MediaFeature {
                name: "prefers-color-scheme".into(),
                value: if on { "dark" } else { "light" }.into(),
            }])
            .await
            .expect("color scheme");
    }

    /// Sets a `<select>` or date input to `value` and fires `change`, as picking does.
    pub async fn pick(&self, selector: &str, value: &str) {
        let before = self.loads().await;
        let done: bool = self
            .js(&format!(
                "(() => {{ const e = document.querySelector({sel}); if (!e) return false; \
                 e.value = {val}; e.dispatchEvent(new Event('change', {{bubbles: true}})); \
                 return e.value === {val}; }})()",
                sel = serde_json::to_string(selector).unwrap_or_default(),
                val = serde_json::to_string(value).unwrap_or_default(),
            ))
            .await;
        assert!(done, "{selector} cannot take {value:?}");
        self.rendered_after(before).await;
    }

    /// The page's current `location.search`.
    pub async fn search(&self) -> String {
        self.js("location.search").await
    }

    /// Emulates a viewport `width` × `height` CSS pixels (phone or laptop).
    pub async fn viewport(&self, width: i64, height: i64, mobile: bool) {
        self.page
            .execute(SetDeviceMetricsOverrideParams::new(
                width, height, 1.0, mobile,
            ))
            .await
            .expect("viewport");
    }

    /// A PNG of what the viewport shows.
    pub async fn screenshot(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        self.page
            .save_screenshot(ScreenshotParams::builder().full_page(false).build(), path)
            .await
            .expect("screenshot");
    }

    /// Clicks `selector` and waits for the file it downloads; returns its name and text.
    pub async fn download(&self, selector: &str) -> (String, String) {
        for entry in std::fs::read_dir(&self.downloads)
            .expect("downloads")
            .flatten()
        {
            let _ = std::fs::remove_file(entry.path());
        }
        self.click(selector).await;
        let start = std::time::Instant::now();
        loop {
            let done = std::fs::read_dir(&self.downloads)
                .expect("downloads")
                .flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x != "crdownload"));
            if let Some(path) = done {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(&path).expect("downloaded file");
                return (name, text);
            }
            assert!(start.elapsed() < WAIT, "no download from {selector}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Requests made so far.
    pub fn requested(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Closes the browser and removes its profile.
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
