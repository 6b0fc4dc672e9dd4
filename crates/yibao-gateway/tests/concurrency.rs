//! Many simultaneous settlements for the same few people at different institutions: no lost update, no deadlock,
//! and `verify` finds the accumulators equal to the sum of what was settled.

mod common;

use common::*;
use serde_json::json;
use yibao_core::Fen;

both_backends!(simultaneous_settlements_same_people, |env: Env| async move {
    let people = [(psn(1), "390"), (psn(2), "390"), (psn(6), "310")];
    let mut tasks = tokio::task::JoinSet::new();
    let env = std::sync::Arc::new(env);
    for round in 0..6 {
        for (ci, _) in env.clients.iter().enumerate() {
            for (p, insutype) in people.iter().cloned() {
                let env = env.clone();
                tasks.spawn(async move {
                    let c = &env.clients[ci];
                    let lines = [
                        ("XJ01CAA040E001010101446", "1.25", "100", "125.00"),
                        ("XC10AAA093A001010104036", "2.5", "10", "25.00"),
                    ];
                    let (mdtrt_id, total) = outpatient(c, &p, insutype, &lines).await;
                    let out = ok(c, "2207", setl_input(&p, &mdtrt_id, insutype, total, "0")).await;
                    let setl_id = out["setlinfo"]["setl_id"].as_str().unwrap().to_string();
                    // Every third settlement is reversed again.
                    let reversed = (round + ci) % 3 == 0;
                    if reversed {
                        ok(c, "2208", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } }))
                            .await;
                    }
                    (p, if reversed { Fen::ZERO } else { fen(&out["setlinfo"]["fund_pay_sumamt"]) })
                });
            }
        }
    }
    let mut paid: std::collections::BTreeMap<String, Fen> = Default::default();
    let mut n = 0;
    while let Some(r) = tasks.join_next().await {
        let (p, f) = r.unwrap();
        *paid.entry(p).or_default() += f;
        n += 1;
    }
    assert_eq!(n, 6 * env.clients.len() * people.len());
    // The year's accumulated fund payments equal what the live settlements paid, person by person.
    for (p, expect) in &paid {
        let got = paid_this_year(&env.clients[0], p).await;
        assert_eq!(got, *expect, "{p}");
    }
    // The yearly outpatient cap (400) bounds the residents: concurrent settlements did not overshoot it.
    assert!(paid[&psn(1)] <= Fen::yuan(400), "{:?}", paid[&psn(1)]);
    let report = env.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.settlements, n);
    // verify notices a tampered accumulator.
    env.store
        .commit(vec![yibao_store::Op::AddAccumulators {
            psn_no: psn(1),
            year: today()[..4].parse().unwrap(),
            insutype: "390".into(),
            deltas: vec![("hifp.op.paid".into(), 1)],
        }])
        .await
        .unwrap();
    let report = env.store.verify().await.unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("hifp.op.paid"));
});

both_backends!(same_msgid_twice_at_once, |env: Env| async move {
    let c = &env.clients[0];
    let p = psn(6);
    let (mdtrt_id, total) = outpatient(c, &p, "310", &[("XJ01CAA040E001010101446", "1.25", "100", "125.00")]).await;
    let msgid = c.msgid();
    let input = setl_input(&p, &mdtrt_id, "310", total, "0");
    let (a, b) = tokio::join!(c.call_with("2207", &msgid, input.clone()), c.call_with("2207", &msgid, input.clone()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a["infcode"], 0, "{a}");
    assert_eq!(a, b, "the same msgid gets the same answer");
    let again = c.call_with("2207", &msgid, input).await.unwrap();
    assert_eq!(again, a);
    let list = ok(c, "5205", json!({ "data": { "psn_no": p, "begntime": today(), "endtime": today() } })).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(env.store.verify().await.unwrap().ok());
});
