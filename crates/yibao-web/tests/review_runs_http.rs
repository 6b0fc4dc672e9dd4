//! The 事后审核 page over HTTP on SQLite and PostgreSQL: clerks are refused and reviewers read; an auditor's run over
//! a small county (bills settled at the window, one person dead before the visit) runs in the background, shows 运行中
//! and then its counts per rule, is logged, links to its findings (the findings list filtered by the run), is not run
//! again for the same form, and a second identical run stores nothing new.

mod common;

use common::*;
use yibao_gateway::screening::library::{Install, PackUpload, install};

const INST: &str = "H99900100001";

const PACK: &str = r#"[pack]
admdvs = "999001"
name = "事后审核测试规则库"
version = "r1"

[[rule]]
id = "R14"
name = "死亡后发生医疗费用"
template = "after_death"
begin = 2024-01-01
sev_deg = "1"
"#;

/// Records a death as the civil affairs exchange does (`yibao import deaths` writes the same operation).
async fn record_death(store: &yibao_store::Store, psn_no: &str, date: &str) {
    let death = yibao_store::DeathRow { psn_no: psn_no.into(), death_date: date.into(), source: "民政".into() };
    store.commit(vec![yibao_store::Op::RecordDeath(death)]).await.unwrap();
}

async fn count(env: &Env, sql: &str, p: Vec<yibao_store::Param>) -> i64 {
    env.store.row(sql, p).await.unwrap().unwrap().int_at(0)
}

/// Follows a run's page until it no longer shows 运行中.
async fn finished(c: &Client, path: &str) -> Page {
    for _ in 0..1200 {
        let p = c.get(path).await;
        assert_eq!(p.status, 200, "{}", p.body);
        if !p.body.contains("data-testid=\"run-running\"") {
            return p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the run never finished");
}

async fn start_run(c: &Client, from: &str, to: &str, rid: Option<&str>) -> (Page, String) {
    let p = c.get("/supervision/runs").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let rid = rid.map_or_else(|| p.field("rid"), str::to_string);
    let csrf = p.field("csrf");
    let form = [("csrf", csrf.as_str()), ("rid", &rid), ("from", from), ("to", to), ("admdvs", "999001")];
    (c.post("/supervision/runs", &form).await, rid)
}

async fn body(env: Env) {
    for n in 1..=3 {
        settle_bill(&env, "admin", INST, &psn(n), "390", "ipt", "21", "XJ01DDA100B002010101953 1000 120").await;
    }
    let died = (chrono::Local::now() - chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    record_death(&env.store, &psn(1), &died).await;
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let from = format!("{}-01-01", &today[..4]);

    // Roles: clerks are refused, reviewers read without the form, auditors and admins see it.
    let clerk = Client::signed_in(&env.base, "jingban").await;
    assert_eq!(clerk.get("/supervision/runs").await.status, 403);
    assert_eq!(clerk.post("/supervision/runs", &[("from", from.as_str()), ("to", &today)]).await.status, 403);
    let reviewer = Client::signed_in(&env.base, "shenhe").await;
    let p = reviewer.get("/supervision/runs").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(!p.body.contains("data-testid=\"run-start\"") && p.body.contains("事后审核"));
    let csrf = p.field("csrf");
    let form = [("csrf", csrf.as_str()), ("rid", "R1"), ("from", &from), ("to", &today), ("admdvs", "999001")];
    assert_eq!(reviewer.post("/supervision/runs", &form).await.status, 403);
    let admin = Client::signed_in(&env.base, "admin").await;
    assert!(admin.get("/supervision/runs").await.body.contains("data-testid=\"run-start\""));
    let auditor = Client::signed_in(&env.base, "jianguan").await;

    // No rule pack yet: refused in Chinese, nothing stored.
    let (p, _) = start_run(&auditor, &from, &today, None).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("尚未安装规则库"), "{}", p.body);
    let (p, _) = start_run(&auditor, &today, &from, None).await;
    assert!(p.status == 422 && p.body.contains("晚于结束日期"), "{}", p.body);
    assert_eq!(count(&env, "SELECT COUNT(*) FROM audit_run", vec![]).await, 0);

    let how = Install { version: None, effective: &today, by: "jianguan" };
    let up = PackUpload { file: "rules.toml".into(), text: PACK.into(), files: Default::default() };
    install(&env.store, &up, &how, false).await.unwrap();

    // The run: redirected to its page, which shows 运行中 until the result.
    let (p, rid) = start_run(&auditor, &from, &today, None).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(p.location.starts_with("/supervision/runs?job="), "{}", p.location);
    let page = finished(&auditor, &p.location).await;
    assert!(page.body.contains("已入库：分析 3 笔结算"), "{}", page.body);
    assert!(page.body.contains("疑点 1 条"), "{}", page.body);
    assert!(page.body.contains("R14 死亡后发生医疗费用 1 条"), "{}", page.body);
    let run_id = page.body.split("/supervision/findings?run=").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(run_id.starts_with("RV999001-"), "{run_id}");
    let stored = "SELECT COUNT(*) FROM audit_finding WHERE run_id = $1";
    assert_eq!(count(&env, stored, yibao_store::params![&run_id]).await, 1);
    let logged = "SELECT COUNT(*) FROM audit_log WHERE action = '事后审核' AND entity_id = $1";
    assert_eq!(count(&env, logged, yibao_store::params![&run_id]).await, 1);

    // The reviewer reads the run and its findings, filtered by the run.
    let p = reviewer.get("/supervision/runs").await;
    assert!(p.body.contains(&run_id) && p.body.contains("jianguan"), "{}", p.body);
    let p = reviewer.get(&format!("/supervision/findings?run={run_id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains(&format!("href=\"/supervision/findings/{run_id}-")), "{}", p.body);
    assert!(p.body.contains(&format!("审核批次 {run_id} 的疑点 1 条")), "{}", p.body);
    let id =
        p.body.split(&format!("href=\"/supervision/findings/{run_id}-")).nth(1).unwrap().split('"').next().unwrap();
    let d = reviewer.get(&format!("/supervision/findings/{run_id}-{id}")).await;
    assert!(d.body.contains(&format!("/supervision/findings?run={run_id}")) && d.body.contains("死亡"), "{}", d.body);
    let p = reviewer.get("/supervision/findings?run=RV999001-00000000-00000000-none").await;
    assert!(p.body.contains("的疑点 0 条") && !p.body.contains("href=\"/supervision/findings/RV"), "{}", p.body);

    // The same form again goes to the same result; nothing runs or is logged again.
    let (p, _) = start_run(&auditor, &from, &today, Some(&rid)).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(count(&env, logged, yibao_store::params![&run_id]).await, 1);

    // A second identical run (a new form) says it was stored before and stores nothing new.
    let (p, _) = start_run(&admin, &from, &today, None).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = finished(&admin, &p.location).await;
    assert!(page.body.contains("已入库（同一统筹区、期间与规则），本次未重复写入疑点"), "{}", page.body);
    assert_eq!(count(&env, stored, yibao_store::params![&run_id]).await, 1);
    assert_eq!(count(&env, "SELECT COUNT(*) FROM audit_run", vec![]).await, 1);
    assert_eq!(count(&env, logged, yibao_store::params![&run_id]).await, 2);

    // Two auditors press at once for another period: one run is stored, neither press is lost.
    let other = Client::signed_in(&env.base, "jianguan").await;
    let since = format!("{}-01-02", &today[..4]);
    let ((a, _), (b, _)) =
        tokio::join!(start_run(&auditor, &since, &today, None), start_run(&other, &since, &today, None));
    assert_eq!((a.status, b.status), (303, 303), "{} {}", a.body, b.body);
    let (pa, pb) = (finished(&auditor, &a.location).await, finished(&other, &b.location).await);
    for p in [&pa, &pb] {
        assert!(p.body.contains("已入库"), "{}", p.body);
    }
    let runs = "SELECT COUNT(*) FROM audit_run WHERE period_from = $1";
    assert_eq!(count(&env, runs, yibao_store::params![&since]).await, 1);
    let second = count(
        &env,
        "SELECT COUNT(*) FROM audit_finding WHERE run_id LIKE $1",
        yibao_store::params![&format!("RV999001-{}%", since.replace('-', ""))],
    )
    .await;
    assert_eq!(second, 1, "the period's one finding, stored once");
}

both_backends!(review_runs, body);
