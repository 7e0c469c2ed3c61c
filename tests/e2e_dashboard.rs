//! The dashboard in a real headless Chromium (tests/browser), against the real binary over
//! the vendor simulators, as a person uses it: one browser launch, three gateways in turn.
//!
//! 1. No API keys (the demo's setup): the page loads; filters from the URL and from the
//!    controls; sort by clicking; "more" until the end returns every share once; a hostile
//!    share name renders as text; revoke and bulk revoke reach the simulators; extend expiry;
//!    the owner filter; the CSV link; phone width; no request leaves the gateway's origin.
//! 2. API keys: the key prompt, a refused key, a read-only key (no write actions), a 401
//!    sending the page back to the prompt, a write key; the sync banner for a failing account;
//!    no key in any URL.
//! 3. 100k shares cached: the first screen loads one page of rows and the stats, nothing more;
//!    its render time is printed (a measurement, never a pass/fail condition).

mod browser;
mod common;

use browser::Chrome;
use common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// `[background luminance, contrast of body text on it]` (WCAG formulas).
const CONTRAST: &str = "(() => { \
    const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number); \
    const lum = c => { const [r, g, b] = c.map(v => { v /= 255; \
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); \
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; }; \
    const st = getComputedStyle(document.body); \
    const bg = lum(rgb(st.backgroundColor)), fg = lum(rgb(st.color)); \
    return [bg, (Math.max(bg, fg) + 0.05) / (Math.min(bg, fg) + 0.05)]; })()";

/// A share name that runs script if rendered as HTML.
const HOSTILE: &str = "<img src=x onerror=\"window.__xss=1\">report.txt";

/// The ids of the rows on the page, in order.
async fn row_ids(c: &Chrome) -> Vec<String> {
    c.js("[...document.querySelectorAll('#rows tr[data-id]')].map(r => r.dataset.id)")
        .await
}

/// The ids of the API's first page for `query`.
async fn api_ids(g: &Gateway, query: &str, key: Option<&str>) -> (Vec<String>, u64) {
    let (status, body) = get(&g.url(&format!("/v1/shares?{query}")), key).await;
    assert_eq!(status, 200, "{query}: {body}");
    let ids = body["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    (ids, body["total"].as_u64().expect("total"))
}

/// The total the page shows.
async fn shown_total(c: &Chrome) -> u64 {
    c.js::<String>("document.getElementById('count').dataset.total || ''")
        .await
        .parse()
        .expect("a total on the page")
}

fn screenshot_paths(name: &str) -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("dashboard")
        .join(name)];
    if let Some(dir) = std::env::var_os("UNISHARE_SCREENSHOT_DIR") {
        out.push(PathBuf::from(dir).join(name));
    }
    out
}

async fn screenshots(c: &Chrome, name: &str) {
    for p in screenshot_paths(name) {
        c.screenshot(&p).await;
        println!("screenshot: {}", p.display());
    }
}

/// Clicks the `action` button of row `id` and waits for the dialog `dialog` to open.
async fn row_action(c: &Chrome, id: &str, action: &str, dialog: &str) {
    c.click(&format!(
        "tr[data-id=\"{id}\"] button[data-action={action}]"
    ))
    .await;
    c.until(
        &format!("document.getElementById('{dialog}').open"),
        &format!("the {dialog}"),
    )
    .await;
}

/// A downloaded CSV export: its file name, header and one row per share of the view.
fn assert_csv(name: &str, text: &str, total: u64) {
    assert!(
        name.starts_with("unishare-shares-") && name.ends_with(".csv"),
        "{name}"
    );
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().expect("csv header").clone();
    assert_eq!(&header[0], "id");
    assert_eq!(rows.records().count() as u64, total, "rows of {name}");
}

/// Every request the tab made since the `from`th went to `base` (or was a `data:`, `blob:` or
/// `about:` URL).
fn assert_same_origin(c: &Chrome, from: usize, base: &str) {
    let requests = c.requested();
    assert!(requests.len() > from);
    for url in &requests[from..] {
        let local = url.starts_with(&format!("{base}/"))
            || url == base
            || url.starts_with("data:")
            || url.starts_with("blob:")
            || url.starts_with("about:");
        assert!(local, "a request left the gateway's origin: {url}");
    }
}

async fn assert_clean(c: &Chrome) {
    let csp: Vec<String> = c.js("window.__csp || []").await;
    assert!(csp.is_empty(), "CSP violations: {csp:?}");
    let thrown = c.exceptions.lock().unwrap().clone();
    assert!(thrown.is_empty(), "uncaught exceptions: {thrown:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    if !browser::available() {
        return;
    }
    let c = Chrome::launch().await;
    without_keys(&c).await;
    with_keys(&c).await;
    first_screen_over_100k_shares(&c).await;
    c.close().await;
}

/// `unishare demo` prints the dashboard's address first, and that address serves the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_the_dashboard_address_first() {
    use std::io::{BufRead, BufReader};
    /// Kills the demo when the test ends, passed or not.
    struct Demo(std::process::Child);
    impl Drop for Demo {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut demo = Demo(
        std::process::Command::new(env!("CARGO_BIN_EXE_unishare"))
            .args(["demo", "--listen", "127.0.0.1:0", "--shares", "5"])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the demo"),
    );
    let stdout = demo.0.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    // Read every line (the demo must never write to a closed pipe); send the first one.
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let first = lines.by_ref().find(|l| !l.trim().is_empty());
        let _ = tx.send(first.unwrap_or_default());
        lines.for_each(drop);
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the demo printed nothing");
    let url = first
        .strip_prefix("unishare demo: open the dashboard at ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .trim()
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    let resp = reqwest::get(&url).await.expect("GET the dashboard");
    let status = resp.status().as_u16();
    let html = resp.text().await.unwrap_or_default();
    assert_eq!(status, 200);
    assert!(html.contains("<title>unishare"), "{html}");
}

async fn without_keys(c: &Chrome) {
    let v = vendors(150).await;
    v.cloudreve.add_file(HOSTILE, 10);
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"",
    ));
    g.ready().await;
    let (status, hostile) = send(
        reqwest::Client::new()
            .post(g.url("/v1/accounts/hq/shares"))
            .json(&json!({"source": {"uri": format!("cloudreve://my/{HOSTILE}")}})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{hostile}");
    let hostile_id = hostile["id"].as_str().expect("id").to_owned();
    let all = all_ids(&v);
    let seen_before = c.requested().len();

    // The page loads: the first page of the default view, the total, the tiles, the chart.
    c.open(&g.url("/"), "ready").await;
    let (first, total) = api_ids(&g, "limit=50", None).await;
    assert_eq!(total as usize, all.len());
    assert_eq!(row_ids(c).await, first);
    assert_eq!(shown_total(c).await, total);
    let links: String = c
        .js("document.querySelector('[data-tile=links] .tile-value').textContent")
        .await;
    assert_eq!(links.replace(',', ""), total.to_string());
    let bars: u64 = c
        .js("document.querySelectorAll('#chart-months rect.bar').length")
        .await;
    assert_eq!(bars, 24);
    let unknown: String = c
        .js("document.querySelector('[data-tile=password]').textContent")
        .await;
    assert!(unknown.contains("unknown"), "{unknown}");
    c.viewport(1366, 1500, false).await;
    screenshots(c, "dashboard.png").await;
    c.viewport(1366, 900, false).await;

    // Dark mode: dark background, readable text.
    c.dark(true).await;
    let contrast: Vec<f64> = c.js(CONTRAST).await;
    assert!(contrast[0] < 0.1, "background luminance {}", contrast[0]);
    assert!(contrast[1] >= 7.0, "text contrast {}", contrast[1]);
    screenshots(c, "dashboard-dark.png").await;
    c.dark(false).await;

    // A hostile name is text: no element made from it, no script run.
    let cell: String = c
        .js(&format!(
            "(() => {{ const r = document.querySelector('#rows tr[data-id=\"{hostile_id}\"] .share-name'); \
             return r ? r.textContent : ''; }})()"
        ))
        .await;
    assert_eq!(cell, HOSTILE);
    let injected: bool = c
        .js("!!document.querySelector('#rows img') || window.__xss === 1")
        .await;
    assert!(!injected, "the share name was rendered as HTML");
    let hrefs: Vec<Value> = c
        .js("import('/dashboard/dom.js').then(m => [m.safeHref('javascript:alert(1)'), \
             m.safeHref('data:text/html,x'), m.safeHref('not a url'), m.safeHref('https://d.example/s/a')])")
        .await;
    assert_eq!(
        hrefs,
        vec![
            Value::Null,
            Value::Null,
            Value::Null,
            json!("https://d.example/s/a")
        ]
    );

    // Filters from the URL, with the API's names: the controls show them, the rows are the API's.
    let q = "provider=cloudreve&status=active&sort=name&order=asc";
    c.open(&g.url(&format!("/?{q}")), "ready").await;
    let provider: String = c.js("document.getElementById('f-provider').value").await;
    let status: String = c.js("document.getElementById('f-status').value").await;
    assert_eq!(
        (provider.as_str(), status.as_str()),
        ("cloudreve", "active")
    );
    let (expected, total) = api_ids(&g, &format!("{q}&limit=50"), None).await;
    assert_eq!(row_ids(c).await, expected);
    assert_eq!(shown_total(c).await, total);
    let sorted: String = c
        .js("document.querySelector('th[data-sort=name]').getAttribute('aria-sort')")
        .await;
    assert_eq!(sorted, "ascending");

    // Filters from the controls land in the URL.
    c.open(&g.url("/"), "ready").await;
    let before = c.loads().await;
    c.type_into("#f-q", "report", Some("Enter")).await;
    c.rendered_after(before).await;
    assert_eq!(c.search().await, "?q=report");
    c.pick("#f-status", "expired").await;
    assert_eq!(c.search().await, "?q=report&status=expired");
    let (expected, total) = api_ids(&g, "q=report&status=expired&limit=50", None).await;
    assert_eq!(row_ids(c).await, expected);
    assert_eq!(shown_total(c).await, total);
    c.pick("#f-expires", "2030-01-01").await;
    assert!(c
        .search()
        .await
        .contains("expires_before=2030-01-01T00%3A00%3A00Z"));
    let csv: String = c
        .js("document.getElementById('csv').getAttribute('href')")
        .await;
    assert!(
        csv.starts_with("/v1/export?q=report&status=expired&expires_before=")
            && csv.contains("format=csv"),
        "{csv}"
    );
    let (name, text) = c.download("#csv").await;
    assert_csv(&name, &text, shown_total(c).await);
    c.click_and_render("#reset").await;
    assert_eq!(c.search().await, "");

    // The owner filter: an owner's e-mail typed in the box is `owner=` in the URL and the API.
    let (_, one) = get(&g.url("/v1/shares?provider=cloudreve&limit=1"), None).await;
    let owner = &one["shares"][0]["owner"];
    let email = owner["email"]
        .as_str()
        .or(owner["id"].as_str())
        .unwrap_or_else(|| panic!("a Cloudreve share with an owner: {one}"))
        .to_owned();
    let before = c.loads().await;
    c.type_into("#f-owner", &email, Some("Enter")).await;
    c.rendered_after(before).await;
    let query = format!(
        "owner={}",
        url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
    );
    assert_eq!(c.search().await, format!("?{query}"));
    let (expected, total) = api_ids(&g, &format!("{query}&limit=50"), None).await;
    assert!(total > 0 && (total as usize) < all.len(), "{total}");
    assert_eq!(row_ids(c).await, expected);
    assert_eq!(shown_total(c).await, total);
    c.click_and_render("#reset").await;

    // A view the API refuses: its problem is shown, never an empty table that looks like no links.
    let (status, body) = get(&g.url("/v1/shares?expires_before=tomorrow"), None).await;
    assert_eq!(status, 400, "{body}");
    c.open(&g.url("/?expires_before=tomorrow"), "error").await;
    let error: String = c.js("document.getElementById('error').textContent").await;
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(error.contains(detail), "{error} / {detail}");
    let rows: String = c.js("document.getElementById('rows').textContent").await;
    assert!(rows.starts_with("Nothing to show"), "{rows}");
    c.open(&g.url("/"), "ready").await;

    // Keyboard: a focused column header sorts on Enter.
    let before = c.loads().await;
    c.press("th[data-sort=name] button", "Enter").await;
    c.rendered_after(before).await;
    assert_eq!(c.search().await, "?sort=name&order=asc");
    c.click_and_render("#reset").await;

    // Sort by clicking a column: first click most viewed first, second click the reverse.
    c.click_and_render("th[data-sort=views] button").await;
    assert_eq!(c.search().await, "?sort=views&order=desc");
    let (expected, _) = api_ids(&g, "sort=views&order=desc&limit=50", None).await;
    assert_eq!(row_ids(c).await, expected);
    c.click_and_render("th[data-sort=views] button").await;
    assert_eq!(c.search().await, "?sort=views&order=asc");
    let (expected, _) = api_ids(&g, "sort=views&order=asc&limit=50", None).await;
    assert_eq!(row_ids(c).await, expected);

    // "More" until the end: every share exactly once.
    c.open(&g.url("/?limit=60"), "ready").await;
    while c
        .js::<bool>("!document.getElementById('more').hidden")
        .await
    {
        c.click_and_render("#more").await;
    }
    let mut seen = row_ids(c).await;
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), n, "a share was shown twice");
    assert_eq!(seen, all);

    // Revoke one row, after confirming: gone from the simulator and from the table.
    c.open(&g.url("/?provider=cloudreve"), "ready").await;
    let target = row_ids(c).await[0].clone();
    row_action(c, &target, "revoke", "confirm-dialog").await;
    c.click_and_render("#confirm-ok").await;
    let native = target.trim_start_matches("hq:");
    assert!(!v.cloudreve.share_ids().iter().any(|i| i == native));
    assert!(!row_ids(c).await.contains(&target));

    // Cancelling revokes nothing.
    let keep = row_ids(c).await[0].clone();
    row_action(c, &keep, "revoke", "confirm-dialog").await;
    c.click("#confirm-cancel").await;
    c.until(
        "!document.getElementById('confirm-dialog').open",
        "the dialog to close",
    )
    .await;
    assert!(v
        .cloudreve
        .share_ids()
        .iter()
        .any(|i| i == keep.trim_start_matches("hq:")));

    // Bulk revoke: three rows of both vendors.
    c.open(&g.url("/?sort=name&order=asc"), "ready").await;
    let ids = row_ids(c).await;
    let pick: Vec<String> = ids
        .iter()
        .filter(|i| i.starts_with("hq:"))
        .take(2)
        .chain(ids.iter().filter(|i| i.starts_with("cn:")).take(1))
        .cloned()
        .collect();
    assert_eq!(pick.len(), 3);
    for id in &pick {
        c.click(&format!("tr[data-id=\"{id}\"] input.row-select"))
            .await;
    }
    let label: String = c
        .js("document.getElementById('bulk-revoke').textContent")
        .await;
    assert_eq!(label, "Revoke selected (3)");
    c.click("#bulk-revoke").await;
    c.until(
        "document.getElementById('confirm-dialog').open",
        "the confirmation",
    )
    .await;
    c.click_and_render("#confirm-ok").await;
    let left = all_ids(&v);
    for id in &pick {
        assert!(!left.contains(id), "{id} still at the simulator");
    }

    // Extend an expiry of an active link: the new date reaches the vendor.
    c.open(&g.url("/?provider=cloudreve&status=active"), "ready")
        .await;
    let target = row_ids(c).await[0].clone();
    row_action(c, &target, "extend", "extend-dialog").await;
    let before = c.loads().await;
    c.js::<bool>(
        "(() => { document.getElementById('extend-date').value = '2031-05-06'; return true; })()",
    )
    .await;
    c.click("#extend-ok").await;
    c.rendered_after(before).await;
    let (status, share) = get(&g.url(&format!("/v1/shares/{target}?refresh=true")), None).await;
    assert_eq!(status, 200, "{share}");
    assert!(
        share["expires_at"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2031-05-06"),
        "{share}"
    );

    // Phone width: no horizontal scrolling, the rows become cards, controls still there.
    c.viewport(390, 844, true).await;
    c.open(&g.url("/"), "ready").await;
    let fits: bool = c
        .js("document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    assert!(fits, "the page scrolls sideways on a phone");
    let cards: String = c
        .js("getComputedStyle(document.querySelector('#rows tr')).display")
        .await;
    assert_eq!(cards, "block");
    c.js::<bool>(
        "(() => { document.getElementById('shares-h').scrollIntoView(); return true; })()",
    )
    .await;
    screenshots(c, "dashboard-phone.png").await;
    c.viewport(1366, 900, false).await;

    assert_same_origin(c, seen_before, &g.base);
    assert_clean(c).await;
}

async fn with_keys(c: &Chrome) {
    let v = vendors(40).await;
    let mut cfg = config(&v, true, "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"");
    // An account whose vendor is not there: its sync fails, and the banner must say so.
    cfg.push_str(
        "\n[[accounts]]\nname = \"down\"\nprovider = \"cloudreve\"\nbase_url = \"http://127.0.0.1:9\"\n\
         auth = { method = \"password\", email = \"a@b.c\", password = \"pw-0123456789\" }\n",
    );
    let g = Gateway::start(&cfg);
    g.ready().await;
    let seen_before = c.requested().len();

    // No key yet: the prompt, nothing else.
    c.open(&g.url("/"), "key").await;
    c.until(
        "document.getElementById('key-dialog').open",
        "the key prompt",
    )
    .await;
    assert!(row_ids(c).await.is_empty());

    // A wrong key: refused, asked again.
    c.type_into("#key-input", "wrong-key-0123456789", Some("Enter"))
        .await;
    c.until(
        "document.getElementById('key-error').textContent.includes('refused')",
        "the refusal",
    )
    .await;
    assert!(
        c.js::<bool>("document.getElementById('key-dialog').open")
            .await
    );

    // A read-only key: rows, no write actions.
    c.type_into("#key-input", READER_KEY, Some("Enter")).await;
    c.until(
        "document.body.dataset.state === 'ready'",
        "the page with the reader key",
    )
    .await;
    assert_eq!(row_ids(c).await.len(), 50);
    let writes: u64 = c
        .js("document.querySelectorAll('[data-action=revoke], [data-action=extend], input.row-select').length")
        .await;
    assert_eq!(writes, 0);
    assert!(
        c.js::<bool>("document.getElementById('bulk-revoke').hidden")
            .await
    );
    let stored: String = c.js("sessionStorage.getItem('unishare.api_key')").await;
    assert_eq!(stored, READER_KEY);

    // The failing account shows in the banner, not as zero links.
    let banner: String = c.js("document.getElementById('banner').textContent").await;
    assert!(
        banner.contains("down") && banner.contains("Partial"),
        "{banner}"
    );

    // A key that stops working (401) sends the page back to the prompt.
    c.js::<bool>("(() => { sessionStorage.setItem('unishare.api_key', 'revoked-key-0123456789'); return true; })()")
        .await;
    c.open(&g.url("/"), "key").await;
    let error: String = c
        .js("document.getElementById('key-error').textContent")
        .await;
    assert!(error.contains("refused"), "{error}");

    // A write key: the write actions appear.
    c.type_into("#key-input", ADMIN_KEY, Some("Enter")).await;
    c.until(
        "document.body.dataset.state === 'ready'",
        "the page with the admin key",
    )
    .await;
    let revokes: u64 = c
        .js("document.querySelectorAll('#rows [data-action=revoke]').length")
        .await;
    assert_eq!(revokes, 50);
    assert!(
        !c.js::<bool>("document.getElementById('bulk-revoke').hidden")
            .await
    );

    // "Download CSV" with a key: fetched with the bearer header, saved from a blob.
    let (name, text) = c.download("#csv").await;
    assert_csv(&name, &text, shown_total(c).await);

    // Keys travel in headers only: never in a URL.
    let urls = &c.requested()[seen_before..];
    for k in [READER_KEY, ADMIN_KEY, "wrong-key-0123456789"] {
        assert!(urls.iter().all(|u| !u.contains(k)), "a key in a URL");
    }
    assert_same_origin(c, seen_before, &g.base);
    assert_clean(c).await;
    // Leave the next gateway a tab without a key.
    c.js::<bool>("(() => { sessionStorage.clear(); return true; })()")
        .await;
}

async fn first_screen_over_100k_shares(c: &Chrome) {
    let v = vendors(50_000).await;
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"",
    ));
    g.ready().await;
    let (_, total) = api_ids(&g, "limit=1", None).await;
    // 50,000 a vendor (Nextcloud lists fewer: it deletes expired links when listed).
    assert!(total >= 100_000, "{total} shares cached");
    // Nextcloud's unpaged list of 50,000 links (~35 MB) is read too, not refused by a body limit.
    let (_, nc) = get(&g.url("/v1/shares?provider=nextcloud&limit=1"), None).await;
    assert!(
        nc["total"].as_u64().unwrap_or(0) > 25_000,
        "{}",
        nc["accounts"]
    );
    let seen_before = c.requested().len();
    c.open(&g.url("/"), "ready").await;
    let ms: f64 = c
        .js("performance.getEntriesByName('unishare:first-screen')[0].startTime")
        .await;
    assert_eq!(shown_total(c).await, total);
    assert_eq!(row_ids(c).await.len(), 50);
    // One page of rows and the stats (plus who the caller is and the account list), nothing more.
    let mut api: Vec<String> = c.requested()[seen_before..]
        .iter()
        .filter_map(|u| u.strip_prefix(&g.base))
        .filter(|p| p.starts_with("/v1/"))
        .map(str::to_owned)
        .collect();
    api.sort();
    assert_eq!(
        api,
        vec![
            "/v1/accounts",
            "/v1/shares?limit=50",
            "/v1/stats",
            "/v1/whoami"
        ]
    );
    println!(
        "dashboard first screen over {total} cached shares: {ms:.0} ms from navigation start \
         (debug build of the gateway, headless Chromium on this machine)"
    );
    assert_same_origin(c, seen_before, &g.base);
    assert_clean(c).await;
}
