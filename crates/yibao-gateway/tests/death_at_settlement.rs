//! The date of death at settlement, on SQLite and PostgreSQL: a person recorded in `person_death` as dead before the
//! visit is reported by 3102 under the after-death rule, and with `on_settle = "refuse"` the settlement is refused
//! (nothing stored); a living person's identical visit settles.

mod common;

use common::*;
use serde_json::Value;
use yibao_gateway::screening::library::{Install, PackUpload, install};

const CT: &str = "002103000010000";

const PACK: &str = r#"[pack]
admdvs = "999001"
name = "死亡后结算测试规则库"
version = "d1"

[on_settle]
default = "refuse"

[[rule]]
id = "R14"
name = "死亡后发生医疗费用"
template = "after_death"
begin = 2024-01-01
sev_deg = "1"
trig_scen = [6, 7]
"#;

/// Records a death as the civil affairs exchange does (`yibao import deaths` writes the same operation).
async fn record_death(store: &yibao_store::Store, psn_no: &str, date: &str) {
    let death = yibao_store::DeathRow { psn_no: psn_no.into(), death_date: date.into(), source: "民政".into() };
    store.commit(vec![yibao_store::Op::RecordDeath(death)]).await.unwrap();
}

fn screen_input(psn_no: &str, mdtrt_id: &str) -> Value {
    common::screen_input(psn_no, mdtrt_id, "H99900100001", "6", Vec::new())
}

async fn body(env: Env) {
    let how = Install { version: None, effective: &today(), by: "审计员" };
    let up = PackUpload { file: "rules.toml".into(), text: PACK.into(), files: Default::default() };
    install(&env.store, &up, &how, false).await.unwrap();
    let h1 = &env.clients[0];
    let (dead, alive) = (psn(1), psn(2));
    let died = (chrono::Local::now() - chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    record_death(&env.store, &dead, &died).await;

    let (m_alive, t_alive) = outpatient(h1, &alive, "390", &[(CT, "150", "1", "150.00")]).await;
    let a = until_3102(h1, &screen_input(&alive, &m_alive), |a| a["infcode"] == 0).await;
    assert!(result_field(&a, "rule_id").is_empty(), "a living person: {a}");

    let (m_dead, t_dead) = outpatient(h1, &dead, "390", &[(CT, "150", "1", "150.00")]).await;
    let a = until_3102(h1, &screen_input(&dead, &m_dead), |a| a["infcode"] == 0).await;
    assert_eq!(result_field(&a, "rule_id"), ["R14"], "dead on {died}, visit today: {a}");

    // refuse: the 明确违规 after-death finding refuses the settlement and nothing is stored.
    let m = refused(h1, "2207", setl_input(&dead, &m_dead, "390", t_dead, "0")).await;
    assert!(m.contains("R14") && m.contains("死亡后发生医疗费用"), "{m}");
    let n = env
        .store
        .row("SELECT COUNT(*) FROM settlement WHERE mdtrt_id = $1", yibao_store::params![&m_dead])
        .await
        .unwrap()
        .unwrap()
        .int_at(0);
    assert_eq!(n, 0, "a refused settlement stores nothing");
    ok(h1, "2207", setl_input(&alive, &m_alive, "390", t_alive, "0")).await;
}

#[test]
fn sqlite() {
    common::run(async { body(start("sqlite").await).await })
}

#[test]
fn postgres() {
    common::run(async { body(start("postgres").await).await })
}
