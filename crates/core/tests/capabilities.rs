//! The central capability check: unsupported options are `Unsupported` naming the capability,
//! badly formed values are `InvalidRequest`, and nothing is silently dropped.

use chrono::{Duration, Utc};
use unishare_core::{
    AudienceSet, Capabilities, CreateShare, ErrorKind, PasswordRule, Patch, PermissionsInput,
    Secret, SourceForm, SourceInput, UpdateShare,
};

fn cloudreve_like() -> Capabilities {
    Capabilities {
        source_form: SourceForm::Uri,
        audiences: AudienceSet {
            anyone: true,
            organization: false,
            restricted: false,
        },
        create_with_password: true,
        password_rule: PasswordRule::Alphanumeric { max: 32 },
        create_with_expiry: true,
        expiry_required: false,
        never_expires: true,
        expiry_max_days: None,
        create_with_max_downloads: true,
        create_with_comment: false,
        comment_max_chars: None,
        create_with_permissions: false,
        update_password: false,
        update_expiry: true,
        update_max_downloads: true,
        update_comment: false,
        update_permissions: false,
        revoke_batch_max: 1,
        reports_views: true,
        reports_downloads: true,
        reports_saves: false,
        reports_permissions: false,
        site_inventory: false,
    }
}

fn koodrive_like() -> Capabilities {
    Capabilities {
        source_form: SourceForm::FileIds,
        audiences: AudienceSet {
            anyone: true,
            organization: true,
            restricted: true,
        },
        password_rule: PasswordRule::ExactAlphanumeric { len: 8 },
        expiry_required: true,
        never_expires: false,
        expiry_max_days: Some(365),
        create_with_max_downloads: false,
        create_with_comment: true,
        comment_max_chars: Some(511),
        create_with_permissions: true,
        update_password: true,
        update_max_downloads: false,
        update_comment: true,
        update_permissions: true,
        revoke_batch_max: 100,
        ..cloudreve_like()
    }
}

fn uri() -> CreateShare {
    CreateShare::new(SourceInput::Uri {
        uri: "cloudreve://my/Reports".into(),
    })
}

fn files() -> CreateShare {
    let mut c = CreateShare::new(SourceInput::Files {
        file_ids: vec!["FryfD0bDk0aWSfrlCgZVJG7hxDMCY5hkl".into()],
        container_id: "IAAB5thdWzxEoAsiA1681759183084696448".into(),
    });
    c.expires_at = Some(Utc::now() + Duration::days(7));
    c
}

#[test]
fn a_plain_request_passes() {
    let now = Utc::now();
    cloudreve_like().check_create(&uri(), now).unwrap();
    koodrive_like().check_create(&files(), now).unwrap();
}

#[test]
fn unsupported_create_options_name_the_capability() {
    let now = Utc::now();
    let mut req = files();
    req.max_downloads = Some(10);
    let e = koodrive_like().check_create(&req, now).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.capability(), Some("create_with_max_downloads"));

    let mut req = uri();
    req.audience = Some(unishare_core::Audience::Organization);
    let e = cloudreve_like().check_create(&req, now).unwrap_err();
    assert_eq!(e.capability(), Some("audiences"));

    let mut req = uri();
    req.comment = Some("Q4".into());
    assert_eq!(
        cloudreve_like()
            .check_create(&req, now)
            .unwrap_err()
            .capability(),
        Some("create_with_comment")
    );

    let mut req = uri();
    req.permissions = Some(PermissionsInput {
        download: Some(true),
        ..Default::default()
    });
    assert_eq!(
        cloudreve_like()
            .check_create(&req, now)
            .unwrap_err()
            .capability(),
        Some("create_with_permissions")
    );

    let mut req = files();
    req.expires_at = None;
    let e = koodrive_like().check_create(&req, now).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.capability(), Some("never_expires"));
}

#[test]
fn badly_formed_values_are_invalid_requests() {
    let now = Utc::now();
    let cases: Vec<(Capabilities, CreateShare)> = vec![
        (cloudreve_like(), {
            let mut r = uri();
            r.password = Some(Secret::new("has space"));
            r
        }),
        (cloudreve_like(), {
            let mut r = uri();
            r.password = Some(Secret::new("a".repeat(33)));
            r
        }),
        (koodrive_like(), {
            let mut r = files();
            r.password = Some(Secret::new("short"));
            r
        }),
        (koodrive_like(), {
            let mut r = files();
            r.password = Some(Secret::new("abcd-123"));
            r
        }),
        (koodrive_like(), {
            let mut r = files();
            r.comment = Some("x".repeat(512));
            r
        }),
        (koodrive_like(), {
            let mut r = files();
            r.expires_at = Some(now + Duration::days(366));
            r
        }),
        (cloudreve_like(), {
            let mut r = uri();
            r.expires_at = Some(now - Duration::seconds(1));
            r
        }),
        (cloudreve_like(), files()),
        (koodrive_like(), uri()),
    ];
    for (caps, req) in cases {
        let e = caps.check_create(&req, now).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
        assert!(!e.to_string().contains("has space"));
    }
    let mut ok = files();
    ok.password = Some(Secret::new("Ab3dEf9h"));
    koodrive_like().check_create(&ok, now).unwrap();
}

#[test]
fn update_checks() {
    let now = Utc::now();
    let set_pw = UpdateShare {
        password: Patch::Set(Secret::new("abc123")),
        ..Default::default()
    };
    let e = cloudreve_like().check_update(&set_pw, now).unwrap_err();
    assert_eq!(e.capability(), Some("update_password"));
    let clear_pw = UpdateShare {
        password: Patch::Clear,
        ..Default::default()
    };
    assert_eq!(
        cloudreve_like()
            .check_update(&clear_pw, now)
            .unwrap_err()
            .capability(),
        Some("update_password")
    );
    let never = UpdateShare {
        expires_at: Patch::Clear,
        ..Default::default()
    };
    cloudreve_like().check_update(&never, now).unwrap();
    assert_eq!(
        koodrive_like()
            .check_update(&never, now)
            .unwrap_err()
            .capability(),
        Some("never_expires")
    );
    let limit = UpdateShare {
        max_downloads: Patch::Set(3),
        ..Default::default()
    };
    assert_eq!(
        koodrive_like()
            .check_update(&limit, now)
            .unwrap_err()
            .capability(),
        Some("update_max_downloads")
    );
    let empty = UpdateShare::default();
    assert_eq!(
        cloudreve_like()
            .check_update(&empty, now)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidRequest
    );
}

#[test]
fn update_json_distinguishes_absent_null_and_value() {
    let u: UpdateShare = serde_json::from_str(r#"{"password": null}"#).unwrap();
    assert_eq!(u.password, Patch::Clear);
    assert_eq!(u.expires_at, Patch::Unchanged);
    let u: UpdateShare =
        serde_json::from_str(r#"{"password": "abc", "expires_at": "2026-12-31T00:00:00Z"}"#)
            .unwrap();
    assert_eq!(u.password.as_set().map(Secret::expose), Some("abc"));
    assert!(u.expires_at.as_set().is_some());
    assert!(serde_json::from_str::<UpdateShare>(r#"{"pasword": "x"}"#).is_err());
}

#[test]
fn create_json_accepts_both_source_forms_and_rejects_unknown_fields() {
    let c: CreateShare = serde_json::from_str(
        r#"{"source": {"uri": "cloudreve://my/Reports"}, "password": "s3cret12",
            "expires_at": "2026-12-31T00:00:00Z", "audience": "anyone", "max_downloads": 10,
            "comment": "Q4 report", "permissions": {"download": true}, "vendor": {}}"#,
    )
    .unwrap();
    assert!(matches!(c.source, SourceInput::Uri { .. }));
    let c: CreateShare = serde_json::from_str(
        r#"{"source": {"file_ids": ["a"], "container_id": "c"}, "expires_at": "2026-12-31T00:00:00Z"}"#,
    )
    .unwrap();
    assert!(matches!(c.source, SourceInput::Files { .. }));
    assert!(
        serde_json::from_str::<CreateShare>(r#"{"source": {"uri": "x"}, "bogus": 1}"#).is_err()
    );
}
