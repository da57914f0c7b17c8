//! TLS (`rediss://`), with the `tls` feature: a private CA made with the `openssl` tool, a
//! `redis-server` listening on a TLS port only. Run with
//! `cargo test -p weftsync-redis --features tls --test tls` (`WEFTSYNC_REDIS_TLS=1
//! scripts/redis-tests` does). SKIPPED without `redis-server` or `openssl`.
#![cfg(feature = "tls")]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{PASSWORD, dead_port, unique};
use weftsync_redis::{Client, ErrorKind, Options, Queue};

fn run(dir: &std::path::Path, args: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("openssl {args}"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn tls_with_a_private_ca_works_and_an_untrusted_certificate_is_refused() {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if !have("openssl") || !have("redis-server") {
        println!("SKIPPED tls: needs redis-server and openssl");
        return;
    }
    let dir = std::env::temp_dir().join(unique("weftsync-tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    assert!(run(
        &dir,
        &format!(
            "req -x509 {ec} -keyout ca.key -out ca.pem -days 1 -subj '/CN=weftsync test CA' \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
        )
    ));
    assert!(run(
        &dir,
        &format!("req {ec} -keyout server.key -out server.csr -subj '/CN=localhost'")
    ));
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    assert!(run(
        &dir,
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
         -days 1 -extfile ext.cnf"
    ));
    let port = dead_port();
    let mut server = Command::new("redis-server")
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args(["--bind", "127.0.0.1", "--requirepass", PASSWORD])
        .args([
            "--tls-cert-file",
            "server.pem",
            "--tls-key-file",
            "server.key",
        ])
        .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
        .args(["--save", "", "--appendonly", "no"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    let url = format!("rediss://:{PASSWORD}@localhost:{port}/");
    let opts = Options {
        reconnect_for: Duration::from_millis(200),
        ..Options::default()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let client = loop {
        match Client::open_tls(&url, &ca, opts) {
            Ok(c) => break c,
            Err(e) if Instant::now() < deadline && e.kind() == ErrorKind::Unreachable => {
                // Test setup: the server is still opening its port.
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("TLS connection with the private CA failed: {e}"),
        }
    };
    let q: Queue<String> = Queue::open(&client, "tls", 2).unwrap();
    q.put("over TLS".into()).unwrap();
    assert_eq!(q.get().unwrap(), "over TLS", "a round trip over TLS");
    q.task_done().unwrap();

    let wrong = format!("rediss://:wrong@localhost:{port}/");
    assert_eq!(
        Client::open_tls(&wrong, &ca, opts).unwrap_err().kind(),
        ErrorKind::Auth,
        "a wrong password over TLS is refused as such"
    );
    assert!(
        Client::open_with(&url, opts).is_err(),
        "a certificate no trusted root signed must be refused"
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
