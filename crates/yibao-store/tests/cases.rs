//! Held money and the case ledger on SQLite and PostgreSQL: an institution's payable is what it settled less what
//! findings hold back or confirmed; two reviewers of one finding cannot both win; cases move one step forward only;
//! outcomes only in 处理, a suspension outcome writes the suspension the gateway enforces, a recovery marks its
//! findings 已追回 (or nothing at all); attachments round-trip; statistics count it all.

use yibao_store::cases::{self, AttachmentRow, CaseOp, NewCase, OutcomeRow};
use yibao_store::cases_read::CaseFilter;
use yibao_store::supervision::{FindingRow, SupervisionOp};
use yibao_store::supervision_read::FindingFilter;
use yibao_store::{Op, SettlementRow, Store, StoreError};

fn setl(id: &str, inst: &str, time: &str, fund: i64, acct: i64, reverses: Option<&str>) -> Op {
    Op::InsertSettlement(Box::new(SettlementRow {
        psn_no: "P1".into(),
        setl_id: id.into(),
        mdtrt_id: format!("M{id}"),
        fixmedins_code: inst.into(),
        insutype: "390".into(),
        year: 2026,
        med_type: "11".into(),
        kind: if reverses.is_some() { "reverse" } else { "settle" }.into(),
        reverses: reverses.map(str::to_string),
        reversed_by: None,
        setl_time: time.into(),
        msgid: format!("msg{id}"),
        policy_version: "t".into(),
        medfee_sumamt: fund + acct,
        fulamt_ownpay_amt: 0,
        overlmt_selfpay: 0,
        preselfpay_amt: 0,
        inscp_scp_amt: fund + acct,
        act_pay_dedc: 0,
        hifp_pay: fund,
        cvlserv_pay: 0,
        hifes_pay: 0,
        hifmi_pay: 0,
        hifob_pay: 0,
        maf_pay: 0,
        hifdm_pay: 0,
        oth_pay: 0,
        fund_pay_sumamt: fund,
        psn_part_amt: acct,
        acct_pay: acct,
        psn_cash_pay: 0,
        hosp_part_amt: 0,
        balc: 0,
        output: "{}".into(),
        delta: "{}".into(),
        explanation: "[]".into(),
        details: Vec::new(),
    }))
}

fn finding(id: &str, inst: &str, day: &str, amount: i64) -> FindingRow {
    FindingRow {
        finding_id: id.into(),
        source: "review".into(),
        run_id: None,
        rule_id: "R01".into(),
        rule_name: "重复收费".into(),
        sev_deg: "1".into(),
        psn_no: Some("P1".into()),
        fixmedins_code: inst.into(),
        setl_ids: "S1".into(),
        occurred_on: day.into(),
        amount,
        evidence: "同日重复收取".into(),
        status: "held".into(),
    }
}

fn review(id: &str, from: &str, to: &str, who: &str) -> Vec<Op> {
    vec![Op::Supervision(SupervisionOp::ReviewFinding {
        finding_id: id.into(),
        from: from.into(),
        to: to.into(),
        reviewer: who.into(),
        note: format!("{who} 审核"),
    })]
}

fn advance(id: &str, from: &str, to: &str) -> Vec<Op> {
    vec![Op::Case(CaseOp::Advance {
        case_id: id.into(),
        from: from.into(),
        to: to.into(),
        actor: "jianguan".into(),
        note: format!("{from} → {to}"),
    })]
}

fn open(id: &str, inst: &str, due: &str) -> Vec<Op> {
    vec![Op::Case(CaseOp::Open(NewCase {
        case_id: id.into(),
        source: "flying".into(),
        fixmedins_code: inst.into(),
        psn_no: None,
        title: "飞行检查发现串换项目".into(),
        due_date: due.into(),
        opened_by: "jianguan".into(),
        note: "线索来源：飞行检查".into(),
    }))]
}

fn outcome(id: &str, case: &str, inst: &str, kind: &str, amount: i64) -> OutcomeRow {
    OutcomeRow {
        outcome_id: id.into(),
        case_id: case.into(),
        fixmedins_code: inst.into(),
        kind: kind.into(),
        amount,
        begndate: None,
        enddate: None,
        note: "处理".into(),
        actor: "jianguan".into(),
    }
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>, has: &str) {
    assert!(matches!(&r, Err(StoreError::Conflict(m)) if m.contains(has)), "want Conflict with “{has}”: {r:?}");
}

async fn held_money_and_payable(store: &Store) {
    store
        .commit(vec![
            setl("S1", "H1", "2026-03-05 09:00:00", 10_000, 2_000, None),
            setl("S2", "H1", "2026-03-06 10:00:00", 5_000, 0, None),
            setl("S3", "H1", "2026-03-07 11:00:00", -5_000, 0, Some("S2")),
            setl("S4", "H1", "2026-02-28 23:59:59", 99_999, 0, None),
            setl("S5", "H2", "2026-03-31 23:59:59", 3_000, 100, None),
        ])
        .await
        .unwrap();
    let fs = vec![
        finding("F1", "H1", "2026-03-05", 1_500),
        finding("F2", "H1", "2026-02-20", 700),
        finding("F3", "H1", "2026-03-06", 800),
        finding("F4", "H1", "2026-03-06", 400),
        finding("F5", "H1", "2026-03-07", 300),
    ];
    store.commit(vec![Op::Supervision(SupervisionOp::InsertFindings(fs))]).await.unwrap();
    store.commit(review("F3", "held", "cleared", "shenhe")).await.unwrap();
    store.commit(review("F4", "held", "confirmed", "shenhe")).await.unwrap();
    store.commit(review("F5", "held", "confirmed", "jianguan")).await.unwrap();
    store.commit(review("F5", "confirmed", "recovered", "jianguan")).await.unwrap();

    let p = store.payable("2026-03-01", "2026-03-31", "").await.unwrap();
    assert_eq!(p.len(), 2, "{p:?}");
    let h1 = &p[0];
    assert_eq!((h1.fixmedins_code.as_str(), h1.fund, h1.acct, h1.settled), ("H1", 10_000, 2_000, 12_000));
    assert_eq!((h1.held, h1.confirmed, h1.recovered, h1.cleared), (1_500, 400, 300, 800));
    assert_eq!(h1.counts, [1, 1, 1, 1]);
    assert_eq!(h1.payable, 12_000 - 1_500 - 400 - 300);
    let h2 = &p[1];
    assert_eq!((h2.settled, h2.held, h2.payable), (3_100, 0, 3_100));
    // One institution, and a period taking February in too.
    let feb = store.payable("2026-02-01", "2026-03-31", "H1").await.unwrap();
    assert_eq!(feb.len(), 1);
    assert_eq!((feb[0].settled, feb[0].held, feb[0].payable), (111_999, 2_200, 111_999 - 2_200 - 700));

    // Two reviewers at once: exactly one wins, the other is told someone else reviewed it.
    let (a, b) = tokio::join!(
        store.commit(review("F1", "held", "cleared", "shenhe")),
        store.commit(review("F1", "held", "confirmed", "jianguan"))
    );
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    let lost = if a.is_ok() { b } else { a };
    conflict(lost, "可能已被他人处理");
    let f1 = store.finding("F1").await.unwrap().unwrap();
    assert!(matches!(f1.row.status.as_str(), "cleared" | "confirmed"));
    assert!(f1.reviewer.is_some() && f1.reviewed_at.is_some());
    // A cleared or confirmed finding is not reviewed again as held.
    conflict(store.commit(review("F3", "held", "confirmed", "shenhe")).await, "不是“待查”状态");

    // The list filters and pages.
    let f = FindingFilter { from: "2026-03-01".into(), to: "2026-03-31".into(), ..Default::default() };
    let (rows, total) = store.findings_page(&f, 0, 2).await.unwrap();
    assert_eq!((rows.len(), total), (2, 4));
    assert_eq!(rows[0].row.finding_id, "F5", "newest violation first");
    let f = FindingFilter { status: "confirmed".into(), fixmedins_code: "H1".into(), ..Default::default() };
    let (rows, total) = store.findings_page(&f, 0, 50).await.unwrap();
    assert!(total >= 1 && rows.iter().all(|r| r.row.status == "confirmed"));
    // These findings were raised by no review run.
    let f = FindingFilter { run_id: "RUN-NONE".into(), ..Default::default() };
    assert_eq!(store.findings_page(&f, 0, 50).await.unwrap().1, 0);
}

async fn case_flow(store: &Store) {
    store.commit(open("K1", "H1", "2026-04-30")).await.unwrap();
    let e = store.commit(open("K1", "H1", "2026-04-30")).await;
    assert!(matches!(e, Err(StoreError::Duplicate(_))), "{e:?}");
    // No skipping, no going back, no step from a status the case is not in.
    conflict(store.commit(advance("K1", "clue", "filed")).await, "只能依次推进");
    conflict(store.commit(advance("K1", "verify", "clue")).await, "只能依次推进");
    conflict(store.commit(advance("K1", "verify", "filed")).await, "已不处于“核查”状态");
    // An outcome before 处理 is refused.
    conflict(store.commit(cases::outcome_ops(outcome("O0", "K1", "H1", "fine", 100), &[])).await, "不处于“处理”阶段");
    // Two staff advancing at once: one step is taken, once.
    let (a, b) =
        tokio::join!(store.commit(advance("K1", "clue", "verify")), store.commit(advance("K1", "clue", "verify")));
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    store.commit(advance("K1", "verify", "filed")).await.unwrap();
    store.commit(advance("K1", "filed", "handle")).await.unwrap();

    // Findings are linked once; another case cannot take them.
    store
        .commit(vec![Op::Supervision(SupervisionOp::InsertFindings(vec![
            finding("G1", "H1", "2026-04-01", 1_000),
            finding("G2", "H1", "2026-04-01", 2_000),
        ]))])
        .await
        .unwrap();
    store.commit(review("G1", "held", "confirmed", "jianguan")).await.unwrap();
    for g in ["G1", "G2"] {
        store.commit(vec![Op::Case(CaseOp::Link { case_id: "K1".into(), finding_id: g.into() })]).await.unwrap();
    }
    store.commit(open("K2", "H1", "2026-01-01")).await.unwrap();
    conflict(
        store.commit(vec![Op::Case(CaseOp::Link { case_id: "K2".into(), finding_id: "G1".into() })]).await,
        "已归入其他案件",
    );
    let (linked, n) =
        store.findings_page(&FindingFilter { case_id: "K1".into(), ..Default::default() }, 0, 50).await.unwrap();
    assert_eq!((n, linked.len()), (2, 2));

    // A recovery naming a finding that is not confirmed fails whole: no outcome, nothing recovered.
    let r = outcome("O1", "K1", "H1", "recover", 3_000);
    conflict(store.commit(cases::outcome_ops(r.clone(), &["G1".into(), "G2".into()])).await, "不是“确认违规”状态");
    assert!(store.case_outcomes("K1").await.unwrap().is_empty());
    assert_eq!(store.finding("G1").await.unwrap().unwrap().row.status, "confirmed");
    store.commit(cases::outcome_ops(r, &["G1".into()])).await.unwrap();
    assert_eq!(store.finding("G1").await.unwrap().unwrap().row.status, "recovered");
    store.commit(cases::outcome_ops(outcome("O2", "K1", "H1", "fine", 50_000), &[])).await.unwrap();
    store.commit(cases::outcome_ops(outcome("O3", "K1", "H1", "deposit", 20_000), &[])).await.unwrap();

    // A suspension outcome writes the agreement suspension the gateway enforces, and tells gateways to reread.
    let epoch = |e: Vec<(String, i64)>| e.into_iter().find(|(n, _)| n == "institution").map_or(0, |(_, v)| v);
    let before = epoch(store.epochs().await.unwrap());
    let s = OutcomeRow {
        begndate: Some("2026-05-01".into()),
        enddate: Some("2026-07-31".into()),
        note: "暂停 3 个月".into(),
        ..outcome("O4", "K1", "H1", "suspend", 0)
    };
    store.commit(cases::outcome_ops(s, &[])).await.unwrap();
    assert!(epoch(store.epochs().await.unwrap()) > before);
    let on = store.suspension_on("H1", "2026-06-15").await.unwrap().expect("suspended in June");
    assert!(on.reason.contains("K1") && on.reason.contains("暂停 3 个月"), "{on:?}");
    assert!(store.suspension_on("H1", "2026-08-01").await.unwrap().is_none());

    // Attachments: stored with name and type, read back byte for byte.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5_000).collect();
    let a = AttachmentRow {
        attachment_id: "A1".into(),
        case_id: "K1".into(),
        name: "检查笔录.pdf".into(),
        content_type: "application/pdf".into(),
        content: bytes.clone(),
        actor: "jianguan".into(),
    };
    store.commit(vec![Op::Case(CaseOp::Attach(a.clone()))]).await.unwrap();
    let e = store.commit(vec![Op::Case(CaseOp::Attach(AttachmentRow { case_id: "K9".into(), ..a }))]).await;
    conflict(e, "案件 K9 不存在");
    let (info, back) = store.case_attachment("K1", "A1").await.unwrap().unwrap();
    assert_eq!((info.name.as_str(), info.size, back), ("检查笔录.pdf", 5_000, bytes));
    assert!(store.case_attachment("K2", "A1").await.unwrap().is_none(), "only through its own case");

    store.commit(advance("K1", "handle", "closed")).await.unwrap();
    conflict(store.commit(advance("K1", "closed", "handle")).await, "只能依次推进");
    conflict(store.commit(cases::outcome_ops(outcome("O5", "K1", "H1", "fine", 1), &[])).await, "不处于“处理”阶段");
    let c = store.case("K1", "2026-12-31").await.unwrap().unwrap();
    assert_eq!((c.status.as_str(), c.overdue), ("closed", false), "a closed case is never overdue");
    assert!(c.closed_at.is_some());
    assert_eq!((c.recovered, c.fine, c.deposit, c.suspensions), (3_000, 50_000, 20_000, 1));
    let steps = store.case_steps("K1").await.unwrap();
    let flow: Vec<&str> = steps.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(flow, ["clue", "verify", "filed", "handle", "closed"]);
    assert!(steps.iter().all(|s| s.actor == "jianguan" && !s.at.is_empty()));
    assert_eq!(steps[2].note, "verify → filed");

    // K2 is overdue after its due date while open.
    assert!(store.case("K2", "2026-01-02").await.unwrap().unwrap().overdue);
    assert!(!store.case("K2", "2026-01-01").await.unwrap().unwrap().overdue);
    let f = CaseFilter { overdue_only: true, today: "2026-01-02".into(), ..Default::default() };
    let (rows, total) = store.cases_page(&f, 0, 50).await.unwrap();
    assert_eq!((total, rows[0].case_id.as_str()), (1, "K2"));
    let (all, total) =
        store.cases_page(&CaseFilter { today: "2026-01-02".into(), ..Default::default() }, 0, 50).await.unwrap();
    assert_eq!((all.len(), total), (2, 2));

    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let st = store.supervision_stats("2026-04-01", &today, "2026-01-02").await.unwrap();
    assert_eq!((st.cases_opened, st.inspected_institutions, st.cases_closed, st.overdue), (2, 1, 1, 1));
    assert_eq!((st.recovered, st.fines, st.deposit, st.suspended, st.handled), (3_000, 50_000, 20_000, 1, 1));
    assert_eq!((st.held_count, st.held_amount), (1, 2_000), "G2 is still held");
}

fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "yibao-store-cases-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_held_money_and_cases() {
    let dir = temp_dir();
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    held_money_and_payable(&store).await;
    drop(store);
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    case_flow(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_held_money_and_cases() {
    let admin =
        std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    if let Err(e) = yibao_store::drop_stale_postgres_databases(&admin, "yibao_scase").await {
        eprintln!("could not drop old test databases: {e}");
    }
    let url = yibao_store::create_postgres_database(&admin, "yibao_scase").await.expect("PostgreSQL reachable");
    let store = Store::open(&url).await.unwrap();
    held_money_and_payable(&store).await;
    case_flow(&store).await;
}
