//! The rule library page (规则库) over HTTP on SQLite and PostgreSQL: who may read it and who may upload, a refused
//! upload shown in the page with its located errors and nothing stored, an upload stored once per form request id
//! with its audit row, the version in force listed with every rule, and the page's gateway switched at once.

mod common;

use common::*;

const PACK: &str = r#"[pack]
admdvs = "999001"
name = "测试县基金监管规则库"
version = "w1"

[on_settle]
default = "flag"

[[rule]]
id = "T01"
name = "限医疗机构级别使用"
template = "institution_limit"
begin = 2024-01-01
trig_scen = [2, 6]
knowledge = "knowledge/institution_limit.csv"

[[rule]]
id = "T02"
name = "限女性使用"
template = "sex_limit"
begin = 2024-01-01
end = 2030-12-31
sev_deg = "2"
row = [{ code = "X1", gend = "2" }, { code = "X2", gend = "2" }]

[switch."999002"]
T02 = false
"#;

const CSV: &str = "项目编码,项目名称,最低医院等级,限定机构类型\n002103000010000,X线计算机体层(CT)平扫,3,\n";

/// A multipart body: text fields, the pack file and knowledge files.
fn form(fields: &[(&str, &str)], pack: &str, files: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut parts = vec![("pack", "rules.toml", "text/plain", pack.as_bytes())];
    parts.extend(files.iter().map(|(n, d)| ("knowledge", *n, "text/plain", d.as_bytes())));
    multipart_body(fields, &parts)
}

async fn send(c: &Client, ct: String, body: Vec<u8>) -> (u16, String) {
    let p = c.post_multipart("/supervision/rules", (ct, body)).await;
    (p.status, p.body)
}

both_backends!(rule_library_page, |env: Env| async move {
    // A clerk may neither read nor upload; a reviewer reads without the upload form.
    let clerk = Client::signed_in(&env.base, "jingban").await;
    assert_eq!(clerk.get("/supervision/rules").await.status, 403);
    let (ct, body) = form(&[("csrf", "x"), ("rid", "Wc1")], PACK, &[("institution_limit.csv", CSV)]);
    assert_eq!(send(&clerk, ct, body).await.0, 403);
    let rev = Client::signed_in(&env.base, "shenhe").await;
    let p = rev.get("/supervision/rules").await;
    assert!(p.status == 200 && p.body.contains("尚未安装规则库版本") && !p.body.contains("rule-upload"), "{}", p.body);

    let aud = Client::signed_in(&env.base, "jianguan").await;
    let p = aud.get("/supervision/rules").await;
    assert!(p.status == 200 && p.body.contains("rule-upload") && p.body.contains("规则库"), "{}", p.body);
    let csrf = p.field("csrf");

    // Without the CSRF token: refused.
    let (ct, body) = form(&[("rid", "Wn1")], PACK, &[("institution_limit.csv", CSV)]);
    assert_eq!(send(&aud, ct, body).await.0, 403);

    // A bad mode and a knowledge file not sent: both shown in the page with their lines, nothing stored.
    let bad = PACK.replace("default = \"flag\"", "default = \"block\"");
    let (ct, body) = form(&[("csrf", &csrf), ("rid", &p.field("rid"))], &bad, &[]);
    let (status, page) = send(&aud, ct, body).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("规则库未通过校验，未作任何修改") && page.contains("有 2 处错误"), "{page}");
    assert!(page.contains("rules.toml:7:11: 字段 on_settle.default"), "{page}");
    assert!(page.contains("无法读取知识库文件 knowledge/institution_limit.csv"), "{page}");
    assert!(env.store.rule_pack_versions("999001").await.unwrap().is_empty());
    assert!(env.store.audit_for("rule_pack", "999001@w1").await.unwrap().is_empty());

    // The good pack, sent twice with one request id: one version, one audit row; the page's gateway serves it.
    let rid = aud.get("/supervision/rules").await.field("rid");
    for _ in 0..2 {
        let (ct, body) = form(&[("csrf", &csrf), ("rid", &rid)], PACK, &[("institution_limit.csv", CSV)]);
        let (status, page) = send(&aud, ct, body).await;
        assert_eq!(status, 303, "{page}");
    }
    let vs = env.store.rule_pack_versions("999001").await.unwrap();
    assert_eq!(vs.len(), 1);
    assert_eq!((vs[0].version.as_str(), vs[0].installed_by.as_str()), ("w1", "jianguan"));
    let (_, files) = env.store.rule_pack_content("999001", "w1").await.unwrap().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].name.as_str(), files[0].content.as_slice()),
        ("knowledge/institution_limit.csv", CSV.as_bytes())
    );
    let audit = env.store.audit_for("rule_pack", "999001@w1").await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("jianguan", "安装规则库"));
    assert_eq!(env.gw.screening_of("999001").and_then(|s| s.stored.clone()).as_deref(), Some("w1"));

    // The page lists the version and every rule of it.
    let p = rev.get("/supervision/rules").await;
    assert_eq!(p.status, 200);
    for want in [
        "当前生效",
        "jianguan",
        "T01",
        "限医疗机构级别使用",
        "限医疗机构级别或类型",
        "T02",
        "2024-01-01 至 2030-12-31",
        "999002关闭",
        "on_settle：默认 flag",
        "2、6（3101/3102）",
    ] {
        assert!(p.body.contains(want), "{want}: {}", p.body);
    }
    assert!(p.body.contains("<td class=\"num\">2</td>"), "T02's two inline rows: {}", p.body);
    assert!(p.body.contains("<td class=\"num\">1</td>"), "T01's one knowledge row: {}", p.body);

    // The same version again from a new form: refused clearly, nothing more stored.
    let rid2 = aud.get("/supervision/rules").await.field("rid");
    let (ct, body) = form(&[("csrf", &csrf), ("rid", &rid2)], PACK, &[("institution_limit.csv", CSV)]);
    let (status, page) = send(&aud, ct, body).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("规则库版本 w1 已存在"), "{page}");
    assert_eq!(env.store.rule_pack_versions("999001").await.unwrap().len(), 1);
    // With another version label from the form, it is a new version.
    let rid3 = aud.get("/supervision/rules").await.field("rid");
    let (ct, body) =
        form(&[("csrf", &csrf), ("rid", &rid3), ("version", "w2")], PACK, &[("institution_limit.csv", CSV)]);
    assert_eq!(send(&aud, ct, body).await.0, 303);
    let vs = env.store.rule_pack_versions("999001").await.unwrap();
    assert_eq!(vs.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["w2", "w1"]);
});
