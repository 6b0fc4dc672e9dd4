//! The web interface over HTTP: sign-in, lock-out, expiry, CSRF, roles on every route, masking and the logging of
//! whole-identity views, the window's idempotent settlement and reversal, and a suspended institution refused.

mod common;

use common::*;
use yibao_store::Op;
use yibao_store::webop::WebOp;

both_backends!(sign_in_lock_out_expiry_and_csrf, |env: Env| async move {
    let c = Client::new(&env.base);
    // Not signed in: every page sends to the sign-in page.
    let p = c.get("/window").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/window"));
    // Wrong passwords count down, then the account locks even for the right password.
    for left in (1..5).rev() {
        let p = c.login("tongji", "wrong-password").await;
        assert_eq!(p.status, 401);
        assert!(p.body.contains(&format!("再错 {left} 次")), "{}", p.body);
    }
    let p = c.login("tongji", "wrong-password").await;
    assert!(p.body.contains("账号已锁定至"), "{}", p.body);
    let p = c.login("tongji", "Tongji#2024").await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("账号已锁定至"), "{}", p.body);
    let u = env.store.staff_user("tongji").await.unwrap().unwrap();
    assert_eq!(u.failed, 5);
    assert!(u.pw_hash.starts_with("argon2id$") && !u.pw_hash.contains("Tongji"));
    // An unknown name reads like a wrong password.
    assert!(c.login("nobody", "x").await.body.contains("用户名或密码错误"));
    // A sign-in form without its token is refused.
    let p = c.post("/login", &[("username", "admin"), ("password", "Admin#2024"), ("token", "forged")]).await;
    assert_eq!(p.status, 403);
    // A good sign-in; a POST without the session's CSRF token changes nothing.
    let admin = Client::signed_in(&env.base, "admin").await;
    let p = admin
        .post(
            "/admin/figures",
            &[("what", "population"), ("admdvs", "999001"), ("year", "2030"), ("value", "5"), ("rid", "W1")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("CSRF"));
    assert_eq!(env.store.registered_population("999001", 2030).await.unwrap(), None);
    // With it the figure is stored once, however often the form is sent, and the action is in the audit log.
    let page = admin.get("/admin/figures").await;
    let (csrf, rid) = (page.field("csrf"), page.field("rid"));
    for _ in 0..2 {
        let p = admin
            .post(
                "/admin/figures",
                &[
                    ("csrf", &csrf),
                    ("rid", &rid),
                    ("what", "population"),
                    ("admdvs", "999001"),
                    ("year", "2030"),
                    ("value", "5"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
    }
    assert_eq!(env.store.registered_population("999001", 2030).await.unwrap(), Some(5));
    let audit = admin.get("/admin/audit?action=%E5%BD%95%E5%85%A5%E7%BB%9F%E8%AE%A1%E5%9F%BA%E6%95%B0").await;
    assert_eq!(audit.body.matches("2030 年户籍人口 5 人").count(), 1, "{}", audit.body);
    assert!(admin.get("/admin/audit?actor=tongji").await.body.contains("登录失败"));
    // Bad input: a precise message, nothing stored.
    let p = admin
        .post(
            "/admin/figures",
            &[
                ("csrf", &csrf),
                ("rid", "W2"),
                ("what", "raised"),
                ("admdvs", "999001"),
                ("year", "2030"),
                ("value", "12.345"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("金额“12.345”无效"), "{}", p.body);
    // The administrator unlocks the statistician by resetting the password.
    let users = admin.get("/admin/users").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("rid", &users.field("rid")),
        ("username", "tongji"),
        ("display_name", "统计 孙丽"),
        ("role", "statistician"),
        ("password", "Tongji#2025x"),
        ("active", "1"),
    ];
    assert_eq!(admin.post("/admin/users", &form).await.status, 303);
    assert_eq!(Client::new(&env.base).login("tongji", "Tongji#2025x").await.status, 303);
    // Sign-out ends the session; an expired session is not accepted either.
    let p = admin.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(p.location, "/login");
    assert_eq!(admin.get("/admin/users").await.status, 303);
    let token = "expired-token";
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    let op = WebOp::InsertSession {
        token_hash: hash,
        username: "admin".into(),
        csrf: "c".into(),
        expires_at: "2000-01-01 00:00:00".into(),
    };
    env.store.commit(vec![Op::Web(op)]).await.unwrap();
    let r = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let a = r
        .get(format!("{}/admin/users", env.base))
        .header("cookie", format!("yibao_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 303);
});

/// (path, who may reach it) for GET pages.
const PAGES: &[(&str, &[&str])] = &[
    ("/window", &["jingban", "shenhe", "jianguan", "admin", "yiyuan1"]),
    ("/records/people", &["jingban", "shenhe", "jianguan", "admin"]),
    ("/records/settlements", &["jingban", "shenhe", "jianguan", "tongji", "admin", "yiyuan1"]),
    ("/records/policies", &["jingban", "shenhe", "jianguan", "tongji", "admin", "yiyuan1"]),
    ("/stats", &["jianguan", "tongji", "admin"]),
    ("/bulletin", &["tongji", "admin"]),
    ("/admin/figures", &["tongji", "admin"]),
    ("/admin/audit", &["jianguan", "admin"]),
    ("/admin/users", &["admin"]),
];

both_backends!(roles_are_enforced_on_the_server, |env: Env| async move {
    for (user, ..) in yibao_web::DEMO_ACCOUNTS {
        let c = Client::signed_in(&env.base, user).await;
        for (path, allowed) in PAGES {
            let p = c.get(path).await;
            let want = if allowed.contains(user) { 200 } else { 403 };
            assert_eq!(p.status, want, "{user} GET {path}");
        }
        // POSTs are refused by role too, before anything else is looked at.
        let csrf = c.get("/home").await.field("csrf");
        let p = c.post("/admin/users", &[("csrf", &csrf), ("username", "x")]).await;
        assert_eq!(p.status == 403, *user != "admin", "{user} POST /admin/users");
        let p = c.post("/records/institutions/H99900100002/suspend", &[("csrf", &csrf)]).await;
        assert_eq!(p.status == 403, !matches!(*user, "admin" | "jianguan"), "{user} POST suspend");
    }
});

both_backends!(window_settles_masks_logs_and_reverses, |env: Env| async move {
    let clerk = Client::signed_in(&env.base, "jingban").await;
    // Lists mask; the person's own page shows the whole identity to a clerk and logs that view.
    let list = clerk.get("/window?q=%E5%BC%A0%E5%BB%BA%E5%9B%BD").await;
    assert!(list.body.contains("张**") && list.body.contains("999001**********38"), "{}", list.body);
    assert!(!list.body.contains("999001195803120038"));
    let p = clerk.get(&format!("/window/person/{}", psn(1))).await;
    assert_eq!(p.text_of("data-testid=\"psn-certno").as_deref(), Some("999001195803120038"));
    let views = env.store.audit_for("person", &psn(1)).await.unwrap();
    assert!(views.iter().any(|a| a.actor == "jingban" && a.action == "查看个人信息"));
    // A statistician sees settlements but not whole identities.
    let stat = Client::signed_in(&env.base, "tongji").await;
    assert_eq!(stat.get(&format!("/window/person/{}", psn(1))).await.status, 403);
    // Bad bill: a precise error and no visit registered.
    let (csrf, rid) = (p.field("csrf"), p.field("rid"));
    let begn = now_local();
    let bill = |lines: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("rid", rid.clone()),
            ("psn_no", psn(1)),
            ("fixmedins_code", "H99900100001".into()),
            ("insutype", "390".into()),
            ("kind", "otp".into()),
            ("med_type", "11".into()),
            ("begntime", begn.clone()),
            ("diagnoses", "J06.9 急性上呼吸道感染".into()),
            ("lines", lines.into()),
        ]
    };
    let form = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>();
    let post = |v: Vec<(&'static str, String)>| {
        let c = &clerk;
        async move {
            let f = form(&v);
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, x)| (*k, x.as_str())).collect();
            c.post("/window/preview", &pairs).await
        }
    };
    let bad = post(bill("XJ01DDA100B002010101953 abc 1")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("费用明细第 1 行：单价“abc”不是有效金额"), "{}", bad.body);
    let visits = env.store.rows("SELECT COUNT(*) AS n FROM visit", yibao_store::params![]).await.unwrap()[0].int("n");
    assert_eq!(visits, 0);
    // Pre-settle: the shown figures are the engine's (2206 via the gateway), with the explanation.
    let pre = post(bill("XJ01DDA100B002010101953 12.5 4\n001102000010000 30 2")).await;
    assert_eq!(pre.status, 200, "{}", pre.body);
    let fund = pre.text_of("data-field=\"fund_pay_sumamt").unwrap();
    assert!(pre.body.contains("基金支付合计"), "{}", pre.body);
    // The same bill pre-settled again reuses its visit; a changed bill cancels it and registers a new one.
    post(bill("XJ01DDA100B002010101953 12.5 4\n001102000010000 30 2")).await;
    let count = |sql: &'static str| {
        let s = env.store.clone();
        async move { s.rows(sql, yibao_store::params![]).await.unwrap()[0].int("n") }
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM visit").await, 1);
    let pre2 = post(bill("XJ01DDA100B002010101953 12.5 8")).await;
    assert_eq!(count("SELECT COUNT(*) AS n FROM visit WHERE state = 'cancelled'").await, 1);
    assert_eq!(count("SELECT COUNT(*) AS n FROM visit WHERE state = 'registered'").await, 1);
    let fund2 = pre2.text_of("data-field=\"fund_pay_sumamt").unwrap();
    // Confirm twice (a resubmitted form): one settlement, with the pre-settled figures.
    let s1 = clerk.post("/window/settle", &[("csrf", &csrf), ("rid", &rid)]).await;
    let s2 = clerk.post("/window/settle", &[("csrf", &csrf), ("rid", &rid)]).await;
    assert_eq!(s1.status, 303);
    assert_eq!(s1.location, s2.location);
    assert_eq!(count("SELECT COUNT(*) AS n FROM settlement").await, 1);
    let slip = clerk.get(&s1.location).await;
    assert_eq!(slip.text_of("data-field=\"fund_pay_sumamt").unwrap(), fund2);
    assert_ne!(fund, fund2);
    let (psn_no, setl_id) = {
        let mut it = s1.location.trim_start_matches("/settlement/").split('/');
        (it.next().unwrap().to_string(), it.next().unwrap().to_string())
    };
    let st = env.store.settlement(&psn_no, &setl_id).await.unwrap().unwrap();
    assert_eq!(yibao_web::ui::yuan(st.fund_pay_sumamt), fund2);
    // The institution's operator sees only their institution: another's slip is refused.
    let op = Client::signed_in(&env.base, "yiyuan1").await;
    assert_eq!(op.get(&s1.location).await.status, 200);
    let op3 = env.store.institution("H99900100003").await.unwrap().unwrap();
    assert_eq!(op3.hosp_lv, "3");
    // Reverse needs a reason; then once, however often it is sent.
    let r = slip.field("rid");
    let bad = clerk.post(&format!("{}/reverse", s1.location), &[("csrf", &csrf), ("rid", &r), ("reason", " ")]).await;
    assert_eq!(bad.status, 422);
    for _ in 0..2 {
        let p = clerk
            .post(&format!("{}/reverse", s1.location), &[("csrf", &csrf), ("rid", &r), ("reason", "费用录入错误")])
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
    }
    assert_eq!(count("SELECT COUNT(*) AS n FROM settlement WHERE kind = 'reverse'").await, 1);
    assert!(clerk.get(&s1.location).await.body.contains("已撤销"));
    let log = env.store.audit_for("settlement", &setl_id).await.unwrap();
    assert!(log.iter().any(|a| a.action == "撤销结算" && a.detail.contains("费用录入错误") && a.actor == "jingban"));
    // The gateway's request log names the clerk as the operator.
    let opter =
        env.store.rows("SELECT opter FROM request_log WHERE infno = '2207'", yibao_store::params![]).await.unwrap();
    assert_eq!(opter[0].text("opter"), "jingban");
});

both_backends!(suspended_institution_is_refused, |env: Env| async move {
    let sup = Client::signed_in(&env.base, "jianguan").await;
    let page = sup.get("/records/institutions").await;
    let (csrf, rid) = (page.field("csrf"), page.field("rid"));
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let p = sup
        .post(
            "/records/institutions/H99900100002/suspend",
            &[("csrf", &csrf), ("rid", &rid), ("begndate", &today), ("enddate", ""), ("reason", "专项检查发现违规")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(sup.get("/records/institutions").await.body.contains("暂停中"));
    let staff = staff("jingban");
    let f = yibao_web::bill::BillForm {
        rid: "Tsusp".into(),
        psn_no: psn(1),
        insutype: "390".into(),
        fixmedins_code: "H99900100002".into(),
        kind: "otp".into(),
        med_type: "11".into(),
        begntime: now_local(),
        diagnoses: "J06.9".into(),
        lines: "XJ01DDA100B002010101953 12.5 4".into(),
        ..Default::default()
    };
    let err = yibao_web::bill::preview(&env.app, &staff, &yibao_web::bill::parse(&f).unwrap()).await.err().unwrap();
    assert!(err.contains("暂停"), "{err}");
    // Resumed from today, it settles again.
    let page = sup.get("/records/institutions").await;
    let which = format!("H99900100002|{today}");
    let p = sup
        .post(
            "/records/institutions/H99900100002/resume",
            &[("csrf", &csrf), ("rid", &page.field("rid")), ("which", &which), ("enddate", &today)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let f = yibao_web::bill::BillForm { rid: "Tresumed".into(), ..f };
    yibao_web::bill::preview(&env.app, &staff, &yibao_web::bill::parse(&f).unwrap())
        .await
        .expect("settles after resumption");
});

both_backends!(lists_paginate_mask_and_export, |env: Env| async move {
    settle_bill(&env, "admin", "H99900100001", &psn(2), "390", "otp", "11", "XJ01DDA100B002010101953 12.5 4").await;
    let admin = Client::signed_in(&env.base, "admin").await;
    for path in [
        "/records/people",
        "/records/enrollments",
        "/records/identities?code=12",
        "/records/visits?inst=H99900100001",
        "/records/catalogue?q=%E5%A4%B4%E5%AD%A2",
    ] {
        let p = admin.get(path).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(p.body.contains("data-testid=\"table\""), "{path} lists rows");
        assert!(!p.body.contains("李秀英"), "{path} masks names");
    }
    assert!(admin.get("/records/people").await.body.contains("共 10 条"));
    for path in ["/records/settlements.xlsx", "/records/visits.xlsx?inst=H99900100001", "/stats.xlsx"] {
        let r = admin.http.get(format!("{}{path}", env.base)).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], yibao_web::export::XLSX, "{path}");
        assert_eq!(&r.bytes().await.unwrap()[..2], b"PK", "{path}");
    }
    let audit = admin.get("/admin/audit").await.body;
    assert!(audit.contains("导出结算记录") && audit.contains("导出就诊记录") && audit.contains("导出统计"));
    // An institution operator's lists hold only their institution.
    let op = Client::signed_in(&env.base, "yiyuan1").await;
    assert!(op.get("/records/settlements").await.body.contains("示范县人民医院"));
    assert!(!op.get("/records/institutions").await.body.contains("H99900100003"));
    assert_eq!(op.get("/records/people").await.status, 403);
});
