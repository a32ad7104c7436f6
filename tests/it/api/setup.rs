//! Setting the API up: users and tokens through the binary, HTTPS with a certificate.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::api::{Api, Auth};

/// A config for the CLI: the minimal site with its data directory in `dir`.
fn cli_config(dir: &std::path::Path) -> std::path::PathBuf {
    let minimal = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml")).unwrap();
    let path = dir.join("site.toml");
    std::fs::write(&path, format!("data_dir = {:?}\n{minimal}", dir.join("data"))).unwrap();
    path
}

#[test]
fn facmon_user_add_reads_the_password_from_stdin_or_a_file_and_token_add_prints_a_working_token() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(dir.path());
    let facmon = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_facmon"));
        c.args(args).arg("--config").arg(&config);
        c
    };
    let mut child = facmon(&["user", "add", "li", "--role", "operator"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"stdin pass phrase\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let file = dir.path().join("pw");
    std::fs::write(&file, "file pass phrase\n").unwrap();
    let out = facmon(&[
        "user",
        "add",
        "zhao",
        "--role",
        "viewer",
        "--password-file",
        file.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = facmon(&["token", "add", "bms", "--role", "viewer"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().next().unwrap();

    let db = facmon::db::open(&dir.path().join("data")).unwrap();
    use facmon::api::auth::{sha256_hex, users, Role};
    assert_eq!(
        users::check_password(&db.conn, "li", "stdin pass phrase").unwrap(),
        Some(("li".into(), Role::Operator))
    );
    assert_eq!(
        users::check_password(&db.conn, "zhao", "file pass phrase").unwrap(),
        Some(("zhao".into(), Role::Viewer))
    );
    assert_eq!(
        users::find_token(&db.conn, &sha256_hex(token.as_bytes())).unwrap(),
        Some(("bms".into(), Role::Viewer))
    );

    let out = facmon(&["user", "add", "qian", "--role", "viewer"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no password given"),
        "{out:?}"
    );
}

#[tokio::test]
async fn with_a_certificate_the_api_speaks_https_only_and_the_cookie_is_secure() {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("api.crt"), dir.path().join("api.key"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let api = Api::start_with(Some((cert, key, ck.cert.pem().into_bytes()))).await;
    assert!(api.base.starts_with("https://"), "{}", api.base);
    assert_eq!(api.get(&Auth::Anonymous, "/healthz").await["status"], "ok");
    let password = api.user("sun", "viewer");
    let res = api
        .send(
            &Auth::Anonymous,
            Method::POST,
            "/api/v1/login",
            Some(json!({"user": "sun", "password": password})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let plain = reqwest::get(api.base.replace("https://", "http://") + "/healthz").await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP is not served"
    );
    api.stop().await;
}
