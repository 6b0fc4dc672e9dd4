//! Fund supervision's pages over HTTP: who may reach them, findings listed masked and exported, reviewed once per
//! form and only by one of two reviewers, the institution's payable less held money, and a case taken from 线索 to
//! 结案 step by step with a recovery, a fine, a suspension the gateway enforces at once, and an attachment.

mod common;

use common::*;
use yibao_store::Op;
use yibao_store::supervision::{FindingRow, SupervisionOp};

const INST: &str = "H99900100001";

fn finding(id: &str, psn_no: &str, amount: i64, today: &str) -> FindingRow {
    FindingRow {
        finding_id: id.into(),
        source: "review".into(),
        run_id: None,
        rule_id: "DUP01".into(),
        rule_name: "重复收费".into(),
        sev_deg: "1".into(),
        psn_no: Some(psn_no.into()),
        fixmedins_code: INST.into(),
        setl_ids: "S1".into(),
        occurred_on: today.into(),
        amount,
        evidence: "同一天两次收取同一诊查费".into(),
        status: "held".into(),
    }
}

const PAGES: &[(&str, &[&str])] = &[
    ("/supervision/findings", &["shenhe", "jianguan", "admin"]),
    ("/supervision/findings.xlsx", &["shenhe", "jianguan", "admin"]),
    ("/supervision/payable", &["shenhe", "jianguan", "admin"]),
    ("/supervision/cases", &["jianguan", "admin"]),
    ("/supervision/stats", &["jianguan", "admin"]),
];

both_backends!(supervision_roles_are_enforced, |env: Env| async move {
    for (user, ..) in yibao_web::DEMO_ACCOUNTS {
        let c = Client::signed_in(&env.base, user).await;
        for (path, allowed) in PAGES {
            let want = if allowed.contains(user) { 200 } else { 403 };
            assert_eq!(c.get(path).await.status, want, "{user} GET {path}");
        }
        let csrf = c.get("/home").await.field("csrf");
        let p = c.post("/supervision/findings/F1/review", &[("csrf", &csrf), ("action", "clear")]).await;
        assert_eq!(p.status == 403, !matches!(*user, "shenhe" | "jianguan" | "admin"), "{user} POST review");
        let p = c.post("/supervision/cases", &[("csrf", &csrf), ("title", "x")]).await;
        assert_eq!(p.status == 403, !matches!(*user, "jianguan" | "admin"), "{user} POST case");
        let p = c.get("/supervision/cases/K1/attachments/A1").await;
        assert_eq!(p.status, if matches!(*user, "jianguan" | "admin") { 404 } else { 403 }, "{user} attachment");
        let nav = c.get("/home").await.body;
        assert_eq!(nav.contains("/supervision/cases"), matches!(*user, "jianguan" | "admin"), "{user} nav");
    }
});

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn multipart(csrf: &str, rid: &str, name: &str, data: &[u8]) -> (String, Vec<u8>) {
    multipart_body(&[("csrf", csrf), ("rid", rid)], &[("file", name, "image/png", data)])
}

both_backends!(findings_payable_and_a_case_to_its_end, |env: Env| async move {
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let (_, setl) =
        settle_bill(&env, "admin", INST, &psn(4), "390", "ipt", "21", "XJ01DDA100B002010101953 1000 120").await;
    let s = env.store.settlement(&psn(4), &setl).await.unwrap().unwrap();
    assert!(s.fund_pay_sumamt > 0, "{s:?}");
    let fs = vec![
        finding("F1", &psn(1), 1_000, &today),
        finding("F2", &psn(1), 500, &today),
        finding("F3", &psn(1), 200, &today),
    ];
    env.store.commit(vec![Op::Supervision(SupervisionOp::InsertFindings(fs))]).await.unwrap();

    // The list masks the person and filters; the export is a workbook.
    let rev = Client::signed_in(&env.base, "shenhe").await;
    let list = rev.get("/supervision/findings?status=held").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("F1") && list.body.contains("F3") && list.body.contains("重复收费"));
    assert!(!list.body.contains("张建国") && list.body.contains("张**"), "{}", list.body);
    assert!(!list.body.contains(&yibao_gateway::demo::id_number("19580312", 3)));
    assert!(!rev.get("/supervision/findings?status=cleared").await.body.contains("F1"));
    let x = rev.http.get(format!("{}/supervision/findings.xlsx?status=held", env.base)).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert_eq!(&x.bytes().await.unwrap()[..2], b"PK");
    assert_eq!(rev.get("/supervision/findings?from=2026-13-01").await.status, 422);

    // The payable: settled less what the findings hold back.
    let p = env.store.payable(&today, &today, INST).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].settled, p[0].held), (s.fund_pay_sumamt + s.acct_pay, 1_700), "{p:?}");
    assert_eq!(p[0].payable, p[0].settled - 1_700);
    let page = rev.get(&format!("/supervision/payable?from={today}&to={today}")).await;
    assert!(page.body.contains(&yibao_web::ui::yuan(p[0].payable)) && page.body.contains("17.00"), "{}", page.body);

    // Confirm F1: the same form twice has one effect; a second reviewer's form then conflicts; a note is required.
    let d = rev.get("/supervision/findings/F1").await;
    assert!(d.body.contains("同一天两次收取同一诊查费"));
    let (csrf, rid) = (d.field("csrf"), d.field("rid"));
    let form = |rid: &str, action: &str, note: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("rid".to_string(), rid.to_string()),
            ("action".to_string(), action.to_string()),
            ("from".to_string(), "held".to_string()),
            ("note".to_string(), note.to_string()),
        ]
    };
    let p = rev.post("/supervision/findings/F1/review", &refs(&form("Wx1", "confirm", ""))).await;
    assert!(p.status == 422 && p.body.contains("审核意见"), "{}", p.body);
    let p = rev.post("/supervision/findings/F1/review", &refs(&form("Wx2", "confirm", "x"))[1..]).await;
    assert_eq!(p.status, 403, "no CSRF token");
    for _ in 0..2 {
        let p = rev.post("/supervision/findings/F1/review", &refs(&form(&rid, "confirm", "核实属实"))).await;
        assert_eq!(p.status, 303, "{}", p.body);
    }
    assert_eq!(env.store.finding("F1").await.unwrap().unwrap().row.status, "confirmed");
    assert_eq!(env.store.audit_for("finding", "F1").await.unwrap().len(), 1, "one change, one audit row");
    let sup = Client::signed_in(&env.base, "jianguan").await;
    let csrf2 = sup.get("/home").await.field("csrf");
    let f2 =
        vec![("csrf", csrf2.as_str()), ("rid", "Wother"), ("action", "clear"), ("from", "held"), ("note", "不违规")];
    let p = sup.post("/supervision/findings/F1/review", &f2).await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("可能已被他人处理"));
    // F3 is cleared: paid again.
    let d = sup.get("/supervision/findings/F3").await;
    let f3 =
        [("csrf", csrf2.as_str()), ("rid", &d.field("rid")), ("action", "clear"), ("from", "held"), ("note", "合理")];
    assert_eq!(sup.post("/supervision/findings/F3/review", &f3).await.status, 303);
    let p = env.store.payable(&today, &today, INST).await.unwrap();
    assert_eq!((p[0].held, p[0].confirmed, p[0].cleared), (500, 1_000, 200));

    // A case: opened, advanced one step at a time (a skip is refused), F1 linked, outcomes, attachment, closed.
    let cases = sup.get("/supervision/cases").await;
    let open = [
        ("csrf", csrf2.as_str()),
        ("rid", &cases.field("rid")),
        ("source", "flying"),
        ("inst", INST),
        ("psn_no", ""),
        ("title", "飞行检查：重复收费"),
        ("due_date", "2000-01-01"),
        ("note", "飞行检查发现"),
    ];
    let p = sup.post("/supervision/cases", &open).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let url = p.location.clone();
    let id = url.rsplit('/').next().unwrap().to_string();
    assert_eq!(sup.post("/supervision/cases", &open).await.location, url, "the same form opens one case");
    let bad = [
        ("csrf", csrf2.as_str()),
        ("rid", "Wbad"),
        ("source", "rumour"),
        ("inst", INST),
        ("title", "x"),
        ("due_date", &today),
    ];
    let p = sup.post("/supervision/cases", &bad).await;
    assert!(p.status == 422 && p.body.contains("案件来源"), "{}", p.body);
    let overdue = sup.get("/supervision/cases?overdue=1").await;
    assert!(overdue.body.contains(&id) && overdue.body.contains("超期"));
    let skip = [("csrf", csrf2.as_str()), ("rid", "Wskip"), ("from", "clue"), ("to", "filed"), ("note", "跳过")];
    let p = sup.post(&format!("{url}/advance"), &skip).await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("只能依次推进"));
    for (from, to) in [("clue", "verify"), ("verify", "filed"), ("filed", "handle")] {
        let page = sup.get(&url).await;
        let f =
            [("csrf", csrf2.as_str()), ("rid", &page.field("rid")), ("from", from), ("to", to), ("note", "依程序推进")];
        assert_eq!(sup.post(&format!("{url}/advance"), &f).await.status, 303);
    }
    let page = sup.get(&url).await;
    assert_eq!(page.text_of("data-testid=\"case-status").as_deref(), Some("处理"));
    let f = [("csrf", csrf2.as_str()), ("rid", &page.field("rid")), ("finding", "F1")];
    assert_eq!(sup.post(&format!("{url}/link"), &f).await.status, 303);
    let outcome = |rid: String, kind: &str, amount: &str, extra: Vec<(&'static str, String)>| {
        let mut f = vec![
            ("csrf", csrf2.clone()),
            ("rid", rid),
            ("kind", kind.to_string()),
            ("amount", amount.to_string()),
            ("note", format!("{kind} 处理")),
        ];
        f.extend(extra);
        f
    };
    for f in [
        outcome("Wrec".into(), "recover", "0", vec![("finding", "F1".into()), ("begndate", String::new())]),
        outcome("Wfine".into(), "fine", "1,234.50", vec![]),
        outcome("Wsusp".into(), "suspend", "0", vec![("begndate", today.clone()), ("enddate", String::new())]),
    ] {
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let p = sup.post(&format!("{url}/outcome"), &f).await;
        assert_eq!(p.status, 303, "{}", p.body);
    }
    assert_eq!(env.store.finding("F1").await.unwrap().unwrap().row.status, "recovered");
    let bad = outcome("Wbad2".into(), "fine", "12.345", vec![]);
    let bad: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (*a, b.as_str())).collect();
    assert_eq!(sup.post(&format!("{url}/outcome"), &bad).await.status, 422);
    // The suspension is the one the gateway enforces: the window cannot settle there any more.
    assert!(env.store.suspension_on(INST, &today).await.unwrap().is_some());
    let f = yibao_web::bill::BillForm {
        rid: "Tsusp".into(),
        psn_no: psn(2),
        insutype: "390".into(),
        fixmedins_code: INST.into(),
        kind: "otp".into(),
        med_type: "11".into(),
        begntime: now_local(),
        diagnoses: "J06.9".into(),
        lines: "XJ01DDA100B002010101953 12.5 4".into(),
        ..Default::default()
    };
    let err = yibao_web::bill::preview(&env.app, &staff("jingban"), &yibao_web::bill::parse(&f).unwrap()).await.err();
    assert!(err.as_deref().is_some_and(|e| e.contains("暂停")), "{err:?}");

    // An attachment goes up and comes back byte for byte.
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
    let r = sup
        .post_multipart(
            &format!("{url}/attachments"),
            multipart(&csrf2, &sup.get(&url).await.field("rid"), "现场照片.png", &data),
        )
        .await;
    assert_eq!(r.status, 303);
    let page = sup.get(&url).await;
    assert!(page.body.contains("现场照片.png"));
    let href =
        page.body.split(&format!("href=\"{url}/attachments/")).nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = sup.http.get(format!("{}{url}/attachments/{href}", env.base)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    let big = vec![7u8; yibao_store::cases::MAX_ATTACHMENT + 1];
    let r = sup.post_multipart(&format!("{url}/attachments"), multipart(&csrf2, "Wbig", "大.bin", &big)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("附件大小"));
    let r = sup.post_multipart(&format!("{url}/attachments"), multipart(&csrf2, "Wempty", "空.txt", &[])).await;
    assert_eq!(r.status, 422);

    let page = sup.get(&url).await;
    let f =
        [("csrf", csrf2.as_str()), ("rid", &page.field("rid")), ("from", "handle"), ("to", "closed"), ("note", "结案")];
    assert_eq!(sup.post(&format!("{url}/advance"), &f).await.status, 303);
    let page = sup.get(&url).await;
    assert_eq!(page.text_of("data-testid=\"case-status").as_deref(), Some("结案"));
    for s in ["线索", "核查", "立案", "处理", "结案", "1,234.50", "10.00"] {
        assert!(page.body.contains(s), "{s}: {}", page.body);
    }
    let c = env.store.case(&id, &today).await.unwrap().unwrap();
    assert_eq!((c.recovered, c.fine, c.suspensions, c.overdue), (1_000, 123_450, 1, false));
    // Every change is in the audit log: opened, 4 steps, a link, 3 outcomes, an attachment, a download.
    assert_eq!(env.store.audit_for("case", &id).await.unwrap().len(), 11);

    let st = sup.get(&format!("/supervision/stats?from={today}&to={today}")).await;
    assert_eq!(st.status, 200);
    for s in ["1,234.50", "10.00", "暂停医保服务协议（家次）", "5.00"] {
        assert!(st.body.contains(s), "{s}: {}", st.body);
    }
});
