//! A real SMTP server on a free loopback port: Python's aiosmtpd (Debian's
//! python3-aiosmtpd, which scripts/test.sh installs), optionally requiring STARTTLS with a
//! certificate the test made.
//!
//! A small handler saves each accepted message as JSON, decoded by Python's `email`
//! package (so tests compare text, not MIME encodings): `mail_from`, `rcpt_tos`, `from`,
//! `to`, `subject`, `message_id`, `content_type`, `charset`, `body` (the text/plain part),
//! `tls` (whether STARTTLS was used) and `raw`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::broker::wait_listening;
use super::free_port;

pub const DEADLINE: Duration = Duration::from_secs(10);

/// Debian's python3 is the one its python3-aiosmtpd package installs for (a pyenv or venv
/// `python3` earlier in PATH does not see it).
const PYTHON: &str = "/usr/bin/python3";

const SERVER: &str = r#"
import asyncio, email, json, os, ssl, sys
from email import policy
from aiosmtpd.smtp import SMTP

class Save:
    def __init__(self, folder):
        self.folder, self.n = folder, 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]), "to": str(msg["To"]), "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]), "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(), "body": body.get_content() if body else None,
            "tls": session.ssl is not None, "raw": raw.decode("utf-8", "replace"),
        }
        self.n += 1
        tmp = os.path.join(self.folder, ".%04d.tmp" % self.n)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.folder, "%04d.json" % self.n))
        return "250 OK"

async def main(port, folder, cert=None, key=None):
    ctx = None
    if cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Save(folder), hostname="localhost", tls_context=ctx, require_starttls=ctx is not None),
        "127.0.0.1", port)
    await server.serve_forever()

asyncio.run(main(int(sys.argv[1]), *sys.argv[2:]))
"#;

/// The server; killed when dropped.
pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    /// Plain SMTP (the client uses `security = "none"`).
    pub async fn start() -> SmtpServer {
        Self::launch(None).await
    }

    /// Requires STARTTLS with this PEM certificate chain and key.
    pub async fn start_tls(cert_pem: &str, key_pem: &str) -> SmtpServer {
        Self::launch(Some((cert_pem, key_pem))).await
    }

    async fn launch(tls: Option<(&str, &str)>) -> SmtpServer {
        require_aiosmtpd();
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("smtp_server.py");
        std::fs::write(&script, SERVER).expect("write the server script");
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).expect("mail dir");
        let port = free_port();
        let mut cmd = Command::new(PYTHON);
        cmd.arg(&script).arg(port.to_string()).arg(&mail);
        if let Some((cert, key)) = tls {
            let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            std::fs::write(&c, cert).expect("write cert");
            std::fs::write(&k, key).expect("write key");
            cmd.arg(c).arg(k);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the SMTP server");
        wait_listening(port).await;
        SmtpServer { port, dir, child }
    }

    fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        read_messages(&self.mail_dir())
    }

    /// Awaits until at least `n` messages were accepted and returns them; fails the test
    /// after [`DEADLINE`]. (The server writes to files, so this polls the folder.)
    pub async fn wait_for_messages(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {DEADLINE:?} for {n} e-mail(s); got {}: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_messages(dir: &Path) -> Vec<serde_json::Value> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p| p.extension().is_some_and(|e| e == "json"));
    names.sort();
    names
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read message")).expect("message JSON"))
        .collect()
}

/// Fails with an install hint when aiosmtpd is missing: a test never skips silently.
fn require_aiosmtpd() {
    let ok = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "aiosmtpd is not installed for {PYTHON}: run scripts/test.sh (it installs it) or `apt-get install python3-aiosmtpd`"
    );
}
