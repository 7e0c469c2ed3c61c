//! Every write emits exactly one audit event, and no secret (account password, app secret,
//! share password) ever reaches the logs, even at trace level.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use unishare_gateway::config::Config;
use unishare_gateway::{router, AppState};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

async fn send(app: &axum::Router, req: Request<Body>) -> (u16, serde_json::Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

fn json(method: &str, uri: &str, body: serde_json::Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn writes_are_audited_once_and_secrets_never_logged() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let cr = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 15,
        password: "Sup3r-Secret-Account-Pw".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let kd = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: 15,
        app_secret: "Sup3r-Secret-App-Secret".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let toml = format!(
        r#"
[[accounts]]
name = "hq"
provider = "cloudreve"
base_url = "{}"
auth = {{ method = "password", email = "admin@cloudreve.org", password = "Sup3r-Secret-Account-Pw" }}

[[accounts]]
name = "cn"
provider = "koodrive"
base_url = "{}"
auth = {{ method = "app", app_id = "demo-app", app_secret = "Sup3r-Secret-App-Secret", user_id = "1505084218764547200" }}
"#,
        cr.base_url(),
        kd.base_url()
    );
    let state = AppState::from_config(Config::from_toml_str(&toml, "t.toml").unwrap()).unwrap();
    let app = router(state);

    let (status, body) = send(
        &app,
        Request::get("/v1/shares?limit=100")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let uri = cr.source_uris()[0].clone();
    let (status, created) = send(
        &app,
        json(
            "POST",
            "/v1/accounts/hq/shares",
            serde_json::json!({"source": {"uri": uri}, "password": "ShareCode9876"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (file, container) = kd.files()[0].clone();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339();
    let (status, kcreated) = send(
        &app,
        json(
            "POST",
            "/v1/accounts/cn/shares",
            serde_json::json!({"source": {"file_ids": [file], "container_id": container}, "expires_at": expiry, "password": "Kd8Code7"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{kcreated}");
    let kid = kcreated["id"].as_str().unwrap().to_string();
    let (status, _) = send(
        &app,
        json(
            "PATCH",
            &format!("/v1/shares/{kid}"),
            serde_json::json!({"password": "New4Code"}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &app,
        Request::delete(format!("/v1/shares/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    // A rejected write is audited too.
    let (status, _) = send(
        &app,
        json(
            "POST",
            "/v1/accounts/hq/shares",
            serde_json::json!({"source": {"uri": uri}, "comment": "x"}),
        ),
    )
    .await;
    assert_eq!(status, 422);

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let audit: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("unishare::audit"))
        .collect();
    assert_eq!(audit.len(), 5, "{audit:#?}");
    assert!(
        audit[0].contains("operation=\"create\"") && audit[0].contains("outcome=\"ok\""),
        "{}",
        audit[0]
    );
    assert!(
        audit[0].contains("key=anonymous") && audit[0].contains("account=\"hq\""),
        "{}",
        audit[0]
    );
    assert!(
        audit[2].contains("operation=\"update\"") && audit[2].contains(&kid),
        "{}",
        audit[2]
    );
    assert!(
        audit[3].contains("operation=\"revoke\"") && audit[3].contains(&id),
        "{}",
        audit[3]
    );
    assert!(audit[4].contains("outcome=\"unsupported\""), "{}", audit[4]);
    assert!(
        text.lines().count() > 20,
        "expected trace-level logs to be captured"
    );
    for secret in [
        "Sup3r-Secret-Account-Pw",
        "Sup3r-Secret-App-Secret",
        "ShareCode9876",
        "Kd8Code7",
        "New4Code",
    ] {
        assert!(!text.contains(secret), "{secret} appeared in the logs");
    }
}
