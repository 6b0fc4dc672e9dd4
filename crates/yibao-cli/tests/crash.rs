//! Crash test: under `yibao loadtest`, the gateway is killed with SIGKILL several times and restarted. Afterwards
//! `yibao verify` finds no difference, and every settlement the load generator saw acknowledged is in the ledger.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_yibao")
}

fn serve(data: &str, port: u16) -> Child {
    let policy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../packs/demo-county.toml");
    Command::new(bin())
        .args(["serve", "--data", data, "--listen", &format!("127.0.0.1:{port}"), "--policy"])
        .arg(policy)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts")
}

fn wait_listening(port: u16) {
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(30), "gateway did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn killed_gateway_loses_nothing_acknowledged() {
    let dir = std::env::temp_dir().join(format!("yibao-crash-{}", std::process::id()));
    let data = dir.join("data").display().to_string();
    let acked = dir.join("acked.txt");
    std::fs::create_dir_all(&dir).unwrap();
    let st = Command::new(bin())
        .args(["gen", "--data", &data, "--people", "2000", "--institutions", "20"])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let port = 18_400 + (std::process::id() % 1000) as u16;
    let mut server = serve(&data, port);
    wait_listening(port);
    let load = Command::new(bin())
        .args([
            "loadtest",
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--data",
            &data,
            "--seconds",
            "12",
            "--concurrency",
            "8",
        ])
        .args(["--tolerate-outage", "--reverse", "0", "--acked"])
        .arg(&acked)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(2500));
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        server = serve(&data, port);
        wait_listening(port);
    }
    let out = load.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(out.status.success(), "load generator saw wrong answers:\n{report}");

    let v = Command::new(bin()).args(["verify", "--data", &data]).output().unwrap();
    assert!(v.status.success(), "verify: {}", String::from_utf8_lossy(&v.stdout));

    let acked = std::fs::read_to_string(&acked).unwrap();
    let ids: Vec<(&str, &str)> = acked.lines().filter_map(|l| l.split_once(' ')).collect();
    assert!(ids.len() > 20, "too few settlements acknowledged to mean anything: {}\n{report}", ids.len());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = yibao_store::Store::open(&data).await.unwrap();
        for (setl_id, psn_no) in &ids {
            let s = store.settlement(psn_no, setl_id).await.unwrap();
            assert!(
                s.is_some_and(|s| s.kind == "settle"),
                "acknowledged settlement {setl_id} of {psn_no} is not in the ledger"
            );
        }
        let all = store.all_settlements().await.unwrap();
        let mut seen = std::collections::HashSet::new();
        for s in &all {
            assert!(seen.insert((s.psn_no.clone(), s.setl_id.clone())), "{} twice", s.setl_id);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}
