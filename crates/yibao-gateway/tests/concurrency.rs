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

// Two gateway instances on one ledger, each with its own memory: a visit billed at one and settled at the other, a
// stale copy refused instead of settled twice, and simultaneous settlements of the same people at both kept exact.
both_backends!(two_gateways_one_ledger, |env: Env| async move {
    let b = second_gateway(&env.target).await;
    let a = &env.clients[0];
    let p = psn(2);
    let lines = [("XJ01CAA040E001010101446", "1.25", "10", "12.50")];
    // Registered and billed at A, settled at B (B reads the visit from the ledger).
    let (mdtrt_id, total) = outpatient(a, &p, "390", &lines).await;
    let out = ok(&b[0], "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    let fund = fen(&out["setlinfo"]["fund_pay_sumamt"]);
    // A still holds the visit as open in memory: its settlement attempt meets the changed version, reads the visit
    // again and refuses, instead of settling it a second time.
    let m = refused(a, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert!(m.contains("已结算"), "{m}");
    // A's copy of the person is stale too (B settled): its next settlement for the person still counts B's.
    let (m2, t2) = outpatient(a, &p, "390", &lines).await;
    let out2 = ok(a, "2207", setl_input(&p, &m2, "390", t2, "0")).await;
    let paid = paid_this_year(a, &p).await;
    assert_eq!(paid, fund + fen(&out2["setlinfo"]["fund_pay_sumamt"]));
    // Simultaneous settlements of the same people at both instances.
    let env = std::sync::Arc::new(env);
    let b = std::sync::Arc::new(b);
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..8 {
        for who in [psn(1), psn(6)] {
            let (env, b) = (env.clone(), b.clone());
            tasks.spawn(async move {
                let c = if round % 2 == 0 { &env.clients[round % 3] } else { &b[round % 3] };
                let insutype = if who == psn(6) { "310" } else { "390" };
                let (m, t) = outpatient(c, &who, insutype, &[("XC10AAA093A001010104036", "2.5", "10", "25.00")]).await;
                let out = ok(c, "2207", setl_input(&who, &m, insutype, t, "0")).await;
                (who, fen(&out["setlinfo"]["fund_pay_sumamt"]))
            });
        }
    }
    let mut expect: std::collections::BTreeMap<String, Fen> = Default::default();
    while let Some(r) = tasks.join_next().await {
        let (who, f) = r.unwrap();
        *expect.entry(who).or_default() += f;
    }
    for (who, f) in &expect {
        assert_eq!(paid_this_year(&b[1], who).await, *f, "{who}");
    }
    let report = env.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
});
