//! The web console in a real browser: headless Chromium (Debian's `chromium`) driven by
//! tests/browser/console.mjs with playwright-core. An engineer signs in, watches the live
//! plant, sees an alarm arrive over the live stream without a reload, acknowledges it, and
//! switches to Chinese; each page is saved under target/browser-artifacts/.
//!
//! The server is the real daemon with its API, reading the simulated plant.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::support::api::Api;

/// The pinned playwright-core that scripts/test.sh installs.
const PLAYWRIGHT_DIR: &str = "target/browser-test/node_modules/playwright-core";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The whole browser session may take this long (Chromium's first start is slow on a busy
/// machine); each step inside has its own 15 s deadline.
const SCRIPT_DEADLINE: Duration = Duration::from_secs(150);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// node, the pinned playwright-core and chromium, or a failure saying how to install them
/// (a missing browser fails the test, it never skips it).
fn browser_tools() -> (PathBuf, PathBuf) {
    let node = crate::support::require("node", "nodejs");
    let playwright = root().join(PLAYWRIGHT_DIR);
    assert!(
        playwright.join("package.json").exists(),
        "playwright-core is not installed in {}: run scripts/test.sh (it installs it), or \
         `mkdir -p target/browser-test && cd target/browser-test && echo '{{}}' > package.json && npm install playwright-core@1.65.1`",
        playwright.display()
    );
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run scripts/test.sh (it installs it) or `apt-get install chromium`"
    );
    (node, playwright)
}

/// What the browser script is told besides the address and the user.
pub struct Expect<'a> {
    /// The alarm that must appear after `GO`, as `RULE/EQUIPMENT`.
    pub alarm: &'a str,
    /// A point (`equipment.role`) that must be shown greyed as stale, if any.
    pub stale_point: Option<String>,
}

/// Runs tests/browser/console.mjs against the console at `url`, signing in as
/// `user`/`password`. When the script has the plant on screen it prints `READY <what>`;
/// `on_ready(what)` then changes the plant (trips the simulator, or the fixture) and the
/// script is told `GO`. Fails the test with the script's own words if any step fails.
pub async fn run_browser_script(
    url: &str,
    user: &str,
    password: &str,
    expect: Expect<'_>,
    mut on_ready: impl AsyncFnMut(&str),
) {
    let (node, playwright) = browser_tools();
    let artifacts = root().join("target/browser-artifacts");
    let mut cmd = Command::new(node);
    cmd.arg(root().join("tests/browser/console.mjs"))
        .env("FACMON_CONSOLE_URL", url)
        .env("FACMON_CONSOLE_USER", user)
        .env("FACMON_CONSOLE_PASSWORD", password)
        .env("FACMON_ALARM", expect.alarm)
        .env("FACMON_PLAYWRIGHT", &playwright)
        .env("FACMON_ARTIFACTS", &artifacts)
        .env("FACMON_CHROMIUM", CHROMIUM)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = &expect.stale_point {
        cmd.env("FACMON_STALE_POINT", p);
    }
    let mut child = Script(cmd.spawn().expect("start node"));
    let mut stdin = child.0.stdin.take().expect("stdin");
    // std::process (tokio's `process` feature is off): a thread per pipe, lines into a channel.
    let (tx, mut stdout) = tokio::sync::mpsc::unbounded_channel();
    let out = child.0.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let err = child.0.stderr.take().expect("stderr");
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(err), &mut all);
        all
    });

    let mut transcript = Vec::new();
    let run = async {
        while let Some(line) = stdout.recv().await {
            transcript.push(line.clone());
            if let Some(what) = line.strip_prefix("READY ") {
                on_ready(what).await;
                stdin.write_all(b"GO\n").expect("tell the script GO");
                stdin.flush().expect("flush");
            } else if line.starts_with("FAIL ") || line == "DONE" {
                return line;
            }
        }
        "the script ended without DONE".to_string()
    };
    let last = match tokio::time::timeout(SCRIPT_DEADLINE, run).await {
        Ok(last) => last,
        Err(_) => format!("no DONE within {SCRIPT_DEADLINE:?}"),
    };
    drop(stdin);
    let status = child.wait_for(Duration::from_secs(20)).await;
    let stderr = if status.is_some() {
        stderr.join().unwrap_or_default()
    } else {
        String::from("(the script did not exit; killed)")
    };
    let ok = last == "DONE" && status.is_some_and(|s| s.success());
    assert!(
        ok,
        "the browser test failed: {last}\nscript output:\n{}\nstderr:\n{stderr}\nscreenshots in {}",
        transcript.join("\n"),
        artifacts.display()
    );
}

/// The node process, killed (with its browser, which exits when its pipe closes) if the test
/// fails before it ends.
struct Script(Child);

impl Script {
    async fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_sees_the_plant_acknowledges_a_live_alarm_and_reads_it_in_chinese() {
    // The simulated plant gateway and the daemon serving its API and console on a free port.
    let api = Api::start().await;
    let password = api.user("wang", "operator");
    let expect = Expect {
        alarm: "PWR-01/ats-1",
        stale_point: None,
    };
    run_browser_script(&format!("{}/", api.base), "wang", &password, expect, async |what| {
        assert_eq!(what, "plant");
        api.b.command("mains fail");
    })
    .await;

    // The click reached the daemon: the alarm is acknowledged by the signed-in operator, and
    // the audit log says who did it.
    let alarm = api
        .b
        .daemon
        .alarms
        .book()
        .get("PWR-01", "ats-1")
        .cloned()
        .expect("PWR-01");
    assert!(alarm.acknowledged, "{alarm:#?}");
    assert_eq!(alarm.acknowledged_by.as_deref(), Some("wang"));
    let audited: i64 = api
        .db()
        .conn
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE actor = 'wang' AND action LIKE '%acknowledge%'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(audited >= 1, "no audit row for the acknowledgement");

    for shot in [
        "login",
        "plant",
        "plant-alarm",
        "alarms",
        "alarms-acknowledged",
        "tickets",
        "plant-zh",
    ] {
        let path = root().join(format!("target/browser-artifacts/{shot}.png"));
        assert!(path.exists(), "no screenshot {}", path.display());
    }
}
