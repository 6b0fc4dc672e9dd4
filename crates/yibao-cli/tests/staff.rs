//! `yibao staff add` creates the first administrator of a deployment (argon2id hash, never the password itself) and
//! refuses a bad role or a weak password with a Chinese message.

use std::process::Command;

fn yibao(dir: &str, args: &[&str], pw: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yibao"))
        .args(["staff", "add", "--data", dir])
        .args(args)
        .env("YIBAO_PASSWORD", pw)
        .output()
        .expect("yibao runs")
}

#[test]
fn staff_add_creates_an_account() {
    let dir = std::env::temp_dir().join(format!("yibao-staff-{}", std::process::id())).display().to_string();
    let ok = yibao(&dir, &["--username", "admin", "--name", "系统管理员", "--role", "admin"], "Strong-pass-2024");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("已保存账号 admin（管理员）"));
    let bad = yibao(&dir, &["--username", "x", "--name", "x", "--role", "boss"], "Strong-pass-2024");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("角色“boss”无效"));
    let weak = yibao(&dir, &["--username", "y", "--name", "y", "--role", "clerk"], "short");
    assert!(String::from_utf8_lossy(&weak.stderr).contains("密码至少 10 位"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let user = rt
        .block_on(async { yibao_store::Store::open(&dir).await.unwrap().staff_user("admin").await.unwrap().unwrap() });
    assert_eq!(user.role, "admin");
    assert!(user.pw_hash.starts_with("argon2id$") && !user.pw_hash.contains("Strong"));
    assert!(yibao_web::auth::verify_password("Strong-pass-2024", &user.pw_hash));
    let _ = std::fs::remove_dir_all(&dir);
}
