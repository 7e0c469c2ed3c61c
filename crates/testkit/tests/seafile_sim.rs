//! The Seafile simulator on its own: raw answers as seahub's source writes them
//! (`docs/vendors/seafile.md`), checked without the provider crate.

use serde_json::Value;
use std::time::Duration;
use unishare_testkit::seafile::{
    AdminListing, SeafileSim, SeafileSimConfig, ServerVersion, Throttle,
};

struct Answer {
    status: u16,
    head: String,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// Minimal HTTP/1.1 request (testkit has no HTTP client dependency).
async fn call(
    sim: &SeafileSim,
    method: &str,
    path: &str,
    token: Option<&str>,
    form: &str,
) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n",
        form.len()
    );
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Token {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    Answer {
        status,
        head: head.to_owned(),
        json: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

async fn sim(config: SeafileSimConfig) -> SeafileSim {
    SeafileSim::start(config).await.unwrap()
}

async fn seeded(links: usize, version: ServerVersion) -> SeafileSim {
    sim(SeafileSimConfig {
        seed_links: links,
        version,
        ..SeafileSimConfig::default()
    })
    .await
}

const LINKS: &str = "/api/v2.1/share-links/";
const ADMIN: &str = "/api/v2.1/admin/share-links/";

#[tokio::test]
async fn auth_token_answers_the_token_and_refuses_bad_logins() {
    let s = seeded(0, ServerVersion::V4).await;
    let (user, password, token) = s.user();
    let a = call(
        &s,
        "POST",
        "/api2/auth-token/",
        None,
        &format!("username={user}&password={password}"),
    )
    .await;
    assert_eq!(
        (a.status, a.json["token"].as_str()),
        (200, Some(token.as_str()))
    );
    let a = call(
        &s,
        "POST",
        "/api2/auth-token/",
        None,
        &format!("username={user}&password=wrong"),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json["non_field_errors"][0],
        "Unable to login with provided credentials."
    );
}

#[tokio::test]
async fn two_factor_accounts_are_asked_for_a_code() {
    let s = sim(SeafileSimConfig {
        two_factor: true,
        ..SeafileSimConfig::default()
    })
    .await;
    let (user, password, _) = s.user();
    let a = call(
        &s,
        "POST",
        "/api2/auth-token/",
        None,
        &format!("username={user}&password={password}"),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.header("x-seafile-otp").as_deref(), Some("required"));
    assert_eq!(
        a.json["non_field_errors"][0],
        "Two factor auth token is missing."
    );
}

#[tokio::test]
async fn unknown_tokens_are_401_on_current_servers_and_403_on_old_ones() {
    let s = seeded(0, ServerVersion::V4).await;
    let a = call(&s, "GET", LINKS, Some("deadbeef"), "").await;
    assert_eq!(
        (a.status, a.json["detail"].as_str()),
        (401, Some("Invalid token"))
    );
    let a = call(&s, "GET", LINKS, None, "").await;
    assert_eq!(a.status, 403);
    let s = seeded(0, ServerVersion::V1).await;
    let a = call(&s, "GET", LINKS, Some("deadbeef"), "").await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.json["detail"],
        "Authentication credentials were not provided."
    );
}

#[tokio::test]
async fn a_user_with_one_link_gets_one_object_from_v1_and_a_list_from_v4() {
    for (version, object) in [(ServerVersion::V1, true), (ServerVersion::V4, false)] {
        let s = seeded(9, version).await;
        let (user, _, token) = s.user();
        s.keep_one_link(&user);
        let a = call(&s, "GET", LINKS, Some(&token), "").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json.is_object(), object, "{version:?}: {}", a.json);
        let rec = if object {
            a.json.clone()
        } else {
            a.json[0].clone()
        };
        assert_eq!(rec["username"], user.as_str());
        assert_eq!(
            rec.get("permissions").is_none(),
            version == ServerVersion::V1
        );
    }
}

#[tokio::test]
async fn the_list_holds_the_users_links_folders_first() {
    let s = seeded(30, ServerVersion::V4).await;
    let (user, _, token) = s.user();
    let a = call(&s, "GET", LINKS, Some(&token), "").await;
    let list = a.json.as_array().unwrap();
    assert_eq!(list.len(), s.tokens_of(&user).len());
    let dirs: Vec<bool> = list
        .iter()
        .map(|r| r["is_dir"].as_bool().unwrap())
        .collect();
    assert!(dirs.windows(2).all(|w| w[0] >= w[1]), "{dirs:?}");
    let r = &list[0];
    for key in [
        "repo_id",
        "path",
        "obj_name",
        "token",
        "link",
        "view_cnt",
        "ctime",
        "expire_date",
        "is_expired",
        "permissions",
        "password",
    ] {
        assert!(r.get(key).is_some(), "{key} missing in {r}");
    }
    assert!(r["ctime"].as_str().unwrap().ends_with("+08:00"), "{r}");
    assert!(list.iter().any(|r| r["expire_date"] == ""));
    assert!(list.iter().any(|r| r["is_expired"] == true));
}

#[tokio::test]
async fn create_validates_like_seahub() {
    let s = seeded(0, ServerVersion::V4).await;
    let (_, _, token) = s.user();
    let src = s.free_sources().remove(0);
    let (repo, path) = src.trim_start_matches("seafile://").split_at(36);
    let form = format!("repo_id={repo}&path={path}");
    let a = call(
        &s,
        "POST",
        LINKS,
        Some(&token),
        &format!("{form}&password=short"),
    )
    .await;
    assert_eq!(
        (a.status, a.json["error_msg"].as_str()),
        (400, Some("Password is too short."))
    );
    let a = call(
        &s,
        "POST",
        LINKS,
        Some(&token),
        &format!("{form}&expire_days=1&expiration_time=2030-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(a.status, 400);
    let a = call(
        &s,
        "POST",
        LINKS,
        Some(&token),
        &format!("repo_id={repo}&path=/nope.txt"),
    )
    .await;
    assert_eq!(
        (a.status, a.json["error_msg"].as_str()),
        (404, Some("Dirent /nope.txt not found."))
    );
    let a = call(
        &s,
        "POST",
        LINKS,
        Some(&token),
        &format!("{form}&expiration_time=2030-01-01T08:00:00%2B08:00&password=longenough"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(a.json["expire_date"], "2030-01-01T08:00:00+08:00");
    assert_eq!(a.json["password"], "longenough");
    let again = call(&s, "POST", LINKS, Some(&token), &form).await;
    assert_eq!(again.status, 400);
    assert!(again.json["error_msg"]
        .as_str()
        .unwrap()
        .contains("already exists"));
}

#[tokio::test]
async fn old_servers_return_the_existing_link_and_ignore_expiration_time() {
    let s = seeded(0, ServerVersion::V1).await;
    let (_, _, token) = s.user();
    let src = s.free_sources().remove(0);
    let (repo, path) = src.trim_start_matches("seafile://").split_at(36);
    let form = format!("repo_id={repo}&path={path}&expiration_time=2030-01-01T00:00:00Z");
    let a = call(&s, "POST", LINKS, Some(&token), &form).await;
    assert_eq!((a.status, a.json["expire_date"].as_str()), (200, Some("")));
    let b = call(&s, "POST", LINKS, Some(&token), &form).await;
    assert_eq!(b.json["token"], a.json["token"]);
}

#[tokio::test]
async fn updates_by_version() {
    for (version, status, expiry_kept) in [
        (ServerVersion::V1, 405, false),
        (ServerVersion::V3, 200, false),
        (ServerVersion::V4, 200, true),
    ] {
        let s = seeded(6, version).await;
        let (user, _, token) = s.user();
        let link = s.tokens_of(&user).remove(0);
        let a = call(
            &s,
            "PUT",
            &format!("{LINKS}{link}/"),
            Some(&token),
            "expiration_time=2031-02-03T04:05:06Z&permissions=%7B%22can_download%22%3Afalse%7D",
        )
        .await;
        assert_eq!(a.status, status, "{version:?}");
        if status == 200 {
            assert_eq!(a.json["permissions"]["can_download"], false);
            assert_eq!(
                a.json["expire_date"] == "2031-02-03T12:05:06+08:00",
                expiry_kept,
                "{}",
                a.json
            );
        }
        let (_, _, other) = s.other_user();
        if version != ServerVersion::V1 {
            let a = call(
                &s,
                "PUT",
                &format!("{LINKS}{link}/"),
                Some(&other),
                "expire_days=3",
            )
            .await;
            assert_eq!(a.status, 403);
        }
    }
}

#[tokio::test]
async fn delete_answers_success_for_unknown_tokens_and_refuses_other_owners() {
    let s = seeded(6, ServerVersion::V4).await;
    let (user, _, token) = s.user();
    let a = call(&s, "DELETE", &format!("{LINKS}0123abcd/"), Some(&token), "").await;
    assert_eq!((a.status, a.json["success"].as_bool()), (200, Some(true)));
    let link = s.tokens_of(&user).remove(0);
    let (_, _, other) = s.other_user();
    assert_eq!(
        call(&s, "DELETE", &format!("{LINKS}{link}/"), Some(&other), "")
            .await
            .status,
        403
    );
    assert_eq!(
        call(&s, "DELETE", &format!("{LINKS}{link}/"), Some(&token), "")
            .await
            .status,
        200
    );
    let a = call(&s, "GET", &format!("{LINKS}{link}/"), Some(&token), "").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json["error_msg"], format!("token {link} not found."));
}

#[tokio::test]
async fn the_admin_listing_pages_with_a_count_and_is_staff_only() {
    let s = seeded(25, ServerVersion::V4).await;
    let (_, _, admin) = s.admin();
    let (_, _, user) = s.user();
    assert_eq!(call(&s, "GET", ADMIN, Some(&user), "").await.status, 403);
    let mut seen = Vec::new();
    for page in 1..=3 {
        let a = call(
            &s,
            "GET",
            &format!("{ADMIN}?page={page}&per_page=10&order_by=ctime&direction=asc"),
            Some(&admin),
            "",
        )
        .await;
        assert_eq!(a.json["count"], 25);
        for r in a.json["share_link_list"].as_array().unwrap() {
            assert!(r.get("link").is_none() && r.get("repo_id").is_none(), "{r}");
            seen.push(r["token"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seen, s.all_tokens());
    // Without `order_by`, A2 sorts newest first.
    let a = call(&s, "GET", &format!("{ADMIN}?per_page=1"), Some(&admin), "").await;
    assert_eq!(
        a.json["share_link_list"][0]["token"],
        s.all_tokens().last().unwrap().as_str()
    );
    let d = call(&s, "GET", &format!("{ADMIN}{}/", seen[0]), Some(&admin), "").await;
    for key in [
        "creator_email",
        "creator_contact_email",
        "repo_id",
        "path",
        "link",
        "is_dir",
        "permissions",
    ] {
        assert!(d.json.get(key).is_some(), "{key} missing in {}", d.json);
    }
}

#[tokio::test]
async fn the_first_admin_listing_is_ascending_without_expiry_and_404s_unknown_deletes() {
    let s = sim(SeafileSimConfig {
        seed_links: 5,
        admin_listing: AdminListing::A1,
        ..SeafileSimConfig::default()
    })
    .await;
    let (_, _, admin) = s.admin();
    let a = call(&s, "GET", ADMIN, Some(&admin), "").await;
    let tokens: Vec<_> = a.json["share_link_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens, s.all_tokens());
    assert!(a.json["share_link_list"][0].get("expire_date").is_none());
    assert_eq!(
        call(&s, "DELETE", &format!("{ADMIN}0123abcd/"), Some(&admin), "")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    let s = sim(SeafileSimConfig {
        throttle: Some(Throttle {
            requests: 2,
            window: Duration::from_secs(30),
        }),
        ..SeafileSimConfig::default()
    })
    .await;
    let (_, _, token) = s.user();
    assert_eq!(call(&s, "GET", LINKS, Some(&token), "").await.status, 200);
    assert_eq!(call(&s, "GET", LINKS, Some(&token), "").await.status, 200);
    let a = call(&s, "GET", LINKS, Some(&token), "").await;
    assert_eq!(a.status, 429);
    let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert!(a.json["detail"]
        .as_str()
        .unwrap()
        .starts_with("Request was throttled."));
}

#[tokio::test]
async fn a_path_without_its_slash_is_redirected() {
    let s = seeded(0, ServerVersion::V4).await;
    let a = call(&s, "GET", "/api/v2.1/share-links", None, "").await;
    assert_eq!(a.status, 301);
    assert_eq!(
        a.header("location").as_deref(),
        Some("/api/v2.1/share-links/")
    );
}

#[tokio::test]
async fn the_list_filters_by_library_and_path_and_the_detail_answers_any_token() {
    let s = seeded(9, ServerVersion::V4).await;
    let (user, _, token) = s.user();
    let all = call(&s, "GET", LINKS, Some(&token), "").await;
    let first = all.json[0].clone();
    let (repo, path) = (
        first["repo_id"].as_str().unwrap(),
        first["path"].as_str().unwrap(),
    );
    let a = call(
        &s,
        "GET",
        &format!("{LINKS}?repo_id={repo}&path={path}"),
        Some(&token),
        "",
    )
    .await;
    assert_eq!(a.json.as_array().unwrap().len(), 1, "{}", a.json);
    assert_eq!(a.json[0]["token"], first["token"]);
    let a = call(
        &s,
        "GET",
        &format!("{LINKS}?repo_id={repo}&path=/nope"),
        Some(&token),
        "",
    )
    .await;
    assert_eq!(a.status, 404);
    // `ShareLink.get` has no owner check: another user's token is answered.
    let (other, _, _) = s.other_user();
    let theirs = s.tokens_of(&other).remove(0);
    let a = call(&s, "GET", &format!("{LINKS}{theirs}/"), Some(&token), "").await;
    assert_eq!(
        (a.status, a.json["username"].as_str()),
        (200, Some(other.as_str()))
    );
    assert_ne!(other, user);
}
