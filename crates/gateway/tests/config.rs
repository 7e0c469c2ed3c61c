//! Configuration: the example file loads, environment overrides apply, secrets resolve from
//! env and files, and every error names its key and file.
// figment's `Jail` closures must return `figment::Error`, a large type we do not control.
#![allow(clippy::result_large_err)]

use figment::Jail;
use std::path::Path;
use std::time::Duration;
use unishare_cloudreve::CloudreveAuth;
use unishare_gateway::config::Config;
use unishare_nextcloud::{NextcloudAuth, NextcloudSettings};

const EXAMPLE: &str = include_str!("../../../config/unishare.example.toml");

fn load(jail: &Jail, toml: &str) -> Result<Config, String> {
    jail.create_file("u.toml", toml)
        .map_err(|e| e.to_string())?;
    Config::load(Some(Path::new("u.toml"))).map_err(|e| e.to_string())
}

fn set_example_env(jail: &mut Jail) {
    jail.set_env("HQ_CLOUDREVE_PASSWORD", "pw-from-env");
    jail.set_env("CN_KD_SECRET", "kd-secret-from-env");
    jail.set_env("NC_APP_PASSWORD", "nc-app-password-from-env");
    jail.set_env("UNISHARE_CURSOR_SECRET", "cursor-secret");
    jail.set_env("UNISHARE_OPS_KEY", "ops-key-0123456789abcdef");
}

#[test]
fn the_example_config_loads_with_its_secrets_from_the_environment() {
    Jail::expect_with(|jail| {
        set_example_env(jail);
        let c = load(jail, EXAMPLE).map_err(figment::Error::from)?;
        assert_eq!(c.accounts.len(), 3);
        assert_eq!(c.api_keys.len(), 2);
        match c.accounts[2].auth.downcast_ref::<NextcloudSettings>() {
            Some(NextcloudSettings {
                auth: NextcloudAuth::AppPassword { user, app_password },
                zone,
            }) => {
                assert_eq!(user, "ops");
                assert_eq!(app_password.expose(), "nc-app-password-from-env");
                assert_eq!(*zone, unishare_nextcloud::ServerZone::UTC);
            }
            other => panic!("unexpected auth {other:?}"),
        }
        assert_eq!(c.cache.ttl, Duration::from_secs(30));
        assert_eq!(c.cache.max_stale, Duration::from_secs(600));
        match c.accounts[0].auth.downcast_ref::<CloudreveAuth>() {
            Some(CloudreveAuth::Password { email, password }) => {
                assert_eq!(email, "ops@example.com");
                assert_eq!(password.expose(), "pw-from-env");
            }
            other => panic!("unexpected auth {other:?}"),
        }
        // No secret in Debug output.
        let debug = format!("{c:?}");
        for secret in [
            "pw-from-env",
            "kd-secret-from-env",
            "nc-app-password-from-env",
            "cursor-secret",
            "ops-key-0123456789abcdef",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked in Debug");
        }
        Ok(())
    });
}

#[test]
fn environment_overrides_the_file() {
    Jail::expect_with(|jail| {
        set_example_env(jail);
        jail.set_env("UNISHARE_CACHE__TTL", "1m");
        jail.set_env("UNISHARE_CACHE__MAX_STALE", "2h");
        jail.set_env("UNISHARE_UPSTREAM__MAX_RETRIES", "4");
        jail.set_env("UNISHARE_CONFIG", "ignored.toml");
        let c = load(jail, EXAMPLE).map_err(figment::Error::from)?;
        assert_eq!(c.cache.ttl, Duration::from_secs(60));
        assert_eq!(c.cache.max_stale, Duration::from_secs(7200));
        assert_eq!(c.upstream.max_retries, 4);
        Ok(())
    });
}

#[test]
fn secrets_can_come_from_files_trimmed() {
    Jail::expect_with(|jail| {
        jail.create_file("pw.txt", "  from-a-file \n")?;
        let c = load(
            jail,
            r#"
[[accounts]]
name = "hq"
provider = "cloudreve"
base_url = "http://127.0.0.1:5212"
auth = { method = "token", refresh_token_file = "pw.txt" }
"#,
        )
        .map_err(figment::Error::from)?;
        match c.accounts[0].auth.downcast_ref::<CloudreveAuth>() {
            Some(CloudreveAuth::Token { refresh_token }) => {
                assert_eq!(refresh_token.expose(), "from-a-file")
            }
            other => panic!("unexpected auth {other:?}"),
        }
        Ok(())
    });
}

fn account(name: &str, provider: &str, auth: &str) -> String {
    format!(
        "[[accounts]]\nname = \"{name}\"\nprovider = \"{provider}\"\nbase_url = \"http://127.0.0.1:1\"\nauth = {auth}\n"
    )
}

const CR_AUTH: &str = r#"{ method = "password", email = "a@b.c", password = "x" }"#;

#[test]
fn errors_name_the_key_and_the_file() {
    let cases: Vec<(String, &str)> = vec![
        (format!("{}{}", account("hq", "cloudreve", CR_AUTH), account("hq", "cloudreve", CR_AUTH)), "accounts[1].name"),
        (account("HQ", "cloudreve", CR_AUTH), "accounts[0].name"),
        (account("hq", "dropbox", CR_AUTH), "accounts[0].provider"),
        (account("hq", "cloudreve", r#"{ method = "sso" }"#), "accounts[0].auth.method"),
        (account("hq", "cloudreve", r#"{ method = "oauth", client_secret = "s", refresh_token = "r" }"#), "accounts[0].auth.client_id"),
        (account("hq", "cloudreve", CR_AUTH).replace("provider =", "inventory = \"everyone\"\nprovider ="), "accounts[0].inventory"),
        (account("hq", "koodrive", r#"{ method = "app", app_id = "a", app_secret = "s", user_id = "u" }"#).replace("provider =", "inventory = \"site\"\nprovider ="), "accounts[0].inventory"),
        (account("hq", "cloudreve", r#"{ method = "password", email = "a@b.c", password_env = "UNISHARE_TEST_UNSET_VAR" }"#), "accounts[0].auth.password_env"),
        (account("hq", "cloudreve", r#"{ method = "password", email = "a@b.c" }"#), "accounts[0].auth.password"),
        (account("hq", "cloudreve", r#"{ method = "password", email = "a@b.c", password = "x", password_env = "Y" }"#), "accounts[0].auth.password"),
        (account("hq", "cloudreve", r#"{ method = "password", email = "a@b.c", password = "x", colour = "red" }"#), "accounts[0].auth.colour"),
        (account("hq", "koodrive", r#"{ method = "app", app_id = "a", app_secret = "s" }"#), "accounts[0].auth.user_id"),
        (account("hq", "koodrive", r#"{ method = "app", app_id = "a", app_secret = "s", user_id = "u", agent_name = " " }"#), "accounts[0].auth.agent_name"),
        (account("hq", "cloudreve", r#"{ method = "password", email = "a@b.c", password = "x", agent_name = "c" }"#), "accounts[0].auth.agent_name"),
        (account("hq", "cloudreve", r#"{ method = "password", email = "a@b.c", password_file = "/nonexistent/pw" }"#), "accounts[0].auth.password_file"),
        (account("nc", "nextcloud", r#"{ method = "app_password", user = "u" }"#), "accounts[0].auth.app_password"),
        (account("nc", "nextcloud", r#"{ method = "token", token = "t" }"#), "accounts[0].auth.method"),
        (account("nc", "nextcloud", r#"{ method = "app_password", user = "u", app_password = "p" }"#).replace("provider =", "server_timezone = \"Europe/Berlin\"\nprovider ="), "accounts[0].server_timezone"),
        (account("hq", "cloudreve", CR_AUTH).replace("provider =", "server_timezone = \"+02:00\"\nprovider ="), "accounts[0].server_timezone"),
        ("[cache]\nttl = \"soon\"\n".to_string(), "cache.ttl"),
        ("[cache]\nttl = \"10m\"\nmax_stale = \"1m\"\n".to_string(), "cache.max_stale"),
        ("[cache]\nbogus = 1\n".to_string(), "bogus"),
        ("[upstream]\nbreaker_cooldown = \"300000y\"\n".to_string(), "upstream.breaker_cooldown"),
        ("[cache]\nttl = \"1000y\"\nmax_stale = \"1000y\"\n".to_string(), "cache.ttl"),
        ("[upstream]\ntimeout = \"30s\"\n".to_string(), "upstream.timeout"),
        (account("hq", "cloudreve", CR_AUTH).replace("provider =", "rate_limit = \"1/600y\"\nprovider ="), "accounts[0].rate_limit"),
        ("[server]\nlisten = \"0.0.0.0:8080\"\n".to_string(), "server.listen"),
        ("[[api_keys]]\nname = \"k\"\nkey_sha256 = \"abc\"\nscopes = [\"read\"]\naccounts = [\"*\"]\n".to_string(), "api_keys[0].key_sha256"),
        ("[[api_keys]]\nname = \"k\"\nkey = \"0123456789abcdefgh\"\nscopes = [\"admin\"]\naccounts = [\"*\"]\n".to_string(), "api_keys[0].scopes"),
        ("[[api_keys]]\nname = \"k\"\nkey = \"0123456789abcdefgh\"\nscopes = [\"read\"]\naccounts = [\"nope\"]\n".to_string(), "api_keys[0].accounts"),
        ("[[api_keys]]\nname = \"k\"\nkey = \"short\"\nscopes = [\"read\"]\naccounts = [\"*\"]\n".to_string(), "api_keys[0].key"),
    ];
    for (toml, key) in cases {
        Jail::expect_with(|jail| {
            let e = load(jail, &toml).expect_err(&toml);
            assert!(
                e.contains(key),
                "expected {key:?} in error: {e}\n--- config:\n{toml}"
            );
            assert!(e.contains("u.toml"), "the file is not named: {e}");
            assert!(!e.contains('\n'), "multi-line error: {e}");
            Ok(())
        });
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let e = Config::load(Some(Path::new("/nonexistent/unishare.toml"))).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/unishare.toml"));
}

#[test]
fn non_loopback_listen_is_fine_with_api_keys() {
    Jail::expect_with(|jail| {
        let c = load(
            jail,
            "[server]\nlisten = \"0.0.0.0:8080\"\n[[api_keys]]\nname = \"k\"\nkey = \"0123456789abcdefgh\"\nscopes = [\"read\"]\naccounts = [\"*\"]\n",
        )
        .map_err(figment::Error::from)?;
        assert!(!c.server.listen.ip().is_loopback());
        Ok(())
    });
}

#[test]
fn the_docker_and_demo_configs_load() {
    Jail::expect_with(|jail| {
        jail.set_env("CLOUDREVE_PASSWORD", "pw");
        jail.set_env("UNISHARE_API_KEY", "a-long-random-key-1234");
        jail.set_env("UNISHARE_CURSOR_KEY", "cursor");
        let c = load(jail, include_str!("../../../config/docker.toml"))
            .map_err(figment::Error::from)?;
        assert_eq!(c.accounts[0].base_url, "http://cloudreve:5212");
        assert_eq!(c.api_keys.len(), 1);
        let demo = load(jail, unishare_gateway::demo::DEMO_TOML).map_err(figment::Error::from)?;
        assert_eq!(demo.accounts.len(), 5);
        assert_eq!(demo.accounts[3].inventory, unishare_core::Inventory::Site);
        assert_eq!(demo.accounts[4].provider.as_str(), "seafile");
        assert_eq!(demo.accounts[4].inventory, unishare_core::Inventory::Site);
        assert!(demo.api_keys.is_empty() && demo.server.listen.ip().is_loopback());
        Ok(())
    });
}

/// Config errors name the file, line and key, never the value: not for a syntax error on the
/// line of an inline secret, not for a type error about a secret-looking value.
#[test]
fn errors_never_echo_a_value() {
    let secret = "hunter2-inline-secret";
    let cases: Vec<(String, &str, Option<usize>)> = vec![
        // Unterminated string on the secret's line.
        (
            account(
                "hq",
                "cloudreve",
                &format!("{{ method = \"password\", email = \"a@b.c\", password = \"{secret} }}"),
            ),
            "accounts[0].auth",
            Some(5),
        ),
        // A bare (unquoted) value.
        (
            format!("[server]\nlisten = \"127.0.0.1:0\"\ncursor_secret = {secret}\n"),
            "server.cursor_secret",
            Some(3),
        ),
        // Valid TOML, wrong types.
        (
            account("hq", "cloudreve", CR_AUTH)
                .replace("auth =", &format!("page_size = \"{secret}\"\nauth =")),
            "accounts[0].page_size",
            Some(5),
        ),
        (
            format!("[server]\nlisten = \"127.0.0.1:0\"\ncursor_secret = [\"{secret}\"]\n"),
            "server.cursor_secret",
            Some(3),
        ),
        (
            format!("[cache]\nttl = \"{secret}\"\n"),
            "cache.ttl",
            Some(2),
        ),
    ];
    for (toml, key, line) in cases {
        Jail::expect_with(|jail| {
            let e = load(jail, &toml).expect_err(&toml);
            assert!(!e.contains(secret), "the value leaked: {e}");
            assert!(!e.contains("hunter2"), "part of the value leaked: {e}");
            assert!(e.contains(key), "expected {key:?} in error: {e}\n{toml}");
            assert!(e.contains("u.toml"), "the file is not named: {e}");
            if let Some(line) = line {
                assert!(
                    e.contains(&format!("line {line}")),
                    "expected line {line}: {e}\n{toml}"
                );
            }
            assert!(!e.contains('\n'), "multi-line error: {e}");
            Ok(())
        });
    }
}

#[test]
fn the_cluster_section_resolves_its_url_as_a_secret_and_names_bad_keys() {
    Jail::expect_with(|jail| {
        jail.set_env("REDIS_URL", "redis://:hunter2@10.0.0.5:6379/0");
        let c = load(
            jail,
            "[cluster]\nredis_url_env = \"REDIS_URL\"\nlease = \"10s\"\n",
        )
        .map_err(figment::Error::from)?;
        let cluster = c.cluster.as_ref().expect("a cluster");
        assert_eq!(
            cluster.redis_url.expose(),
            "redis://:hunter2@10.0.0.5:6379/0"
        );
        assert_eq!(cluster.namespace, "unishare");
        assert_eq!(cluster.lease, Duration::from_secs(10));
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(load(jail, "")
            .map_err(figment::Error::from)?
            .cluster
            .is_none());
        for (toml, key) in [
            (
                "[cluster]\nredis_url = \"http://:hunter2@x\"\n",
                "cluster.redis_url",
            ),
            (
                "[cluster]\nredis_url = \"redis://x\"\nnamespace = \"a:b\"\n",
                "cluster.namespace",
            ),
            (
                "[cluster]\nredis_url = \"redis://x\"\nlease = \"10ms\"\n",
                "cluster.lease",
            ),
            ("[cluster]\nredis_url = \"redis://x\"\nbogus = 1\n", "bogus"),
        ] {
            let e = load(jail, toml).expect_err(toml);
            assert!(e.contains(key), "{toml}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        Ok(())
    });
}
