//! `yibao staff add`: creates or replaces a staff account of the web interface (the first administrator of a new
//! deployment, or any account from a script); the password comes from `YIBAO_PASSWORD` or the first line of stdin.

use std::io::BufRead;
use std::process::ExitCode;

pub fn add(data: &str, username: &str, name: &str, role: &str, institution: Option<&str>) -> ExitCode {
    let r: anyhow::Result<()> = (|| {
        let role = yibao_web::auth::Role::parse(role).ok_or_else(|| {
            anyhow::anyhow!("角色“{role}”无效：clerk、reviewer、auditor、statistician、admin 或 institution")
        })?;
        let pw = match std::env::var("YIBAO_PASSWORD") {
            Ok(p) => p,
            Err(_) => std::io::stdin().lock().lines().next().transpose()?.unwrap_or_default(),
        };
        anyhow::ensure!(yibao_web::admin::password_ok(pw.trim()), "密码至少 10 位，并同时包含字母和数字");
        anyhow::ensure!(
            (role == yibao_web::auth::Role::Institution) == institution.is_some(),
            "定点机构操作员（institution）须用 --institution 指定机构，其他角色不能指定"
        );
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let store = yibao_store::Store::open(data).await?;
            if let Some(code) = institution {
                anyhow::ensure!(store.institution(code).await?.is_some(), "机构编码 {code} 不存在");
            }
            let op =
                yibao_web::auth::user_op(username, name, role.code(), institution.map(str::to_string), pw.trim(), true);
            store.commit(vec![op]).await?;
            println!("已保存账号 {username}（{}）", role.name_zh());
            Ok(())
        })
    })();
    crate::sim_cmd::finish(r)
}
