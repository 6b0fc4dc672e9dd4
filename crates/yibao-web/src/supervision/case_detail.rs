//! One case: its timeline, advancing it one step, the findings taken into it, its outcomes (a suspension outcome
//! suspends the institution's agreement at once) and its attachments (upload and download).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use yibao_store::Op;
use yibao_store::cases::{self, AttachmentRow, CaseOp, HANDLE, MAX_ATTACHMENT, OUTCOMES, OutcomeRow};
use yibao_store::cases_read::CaseRecord;
use yibao_store::supervision::{self, CONFIRMED, HELD};
use yibao_store::supervision_read::{FindingFilter, FindingRecord};

use super::{Change, apply, hidden, inst_name, institutions, masked_person, options, pairs, today, valid_date};
use crate::auth::{Area, Staff};
use crate::export;
use crate::table::{Cell, TablePage};
use crate::ui::{self, Layout, esc};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/supervision/cases/{id}", get(detail))
        .route("/supervision/cases/{id}/advance", post(advance))
        .route("/supervision/cases/{id}/link", post(link))
        .route("/supervision/cases/{id}/outcome", post(outcome))
        .route(
            "/supervision/cases/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(MAX_ATTACHMENT + 64 * 1024)),
        )
        .route("/supervision/cases/{id}/attachments/{aid}", get(download))
}

async fn load(app: &Web, staff: &Staff, id: &str) -> Result<CaseRecord, Response> {
    match app.store.case(id, &today()).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(ui::not_found(staff, &format!("案件 {id} 不存在"))),
        Err(e) => Err(ui::internal(Some(staff), e)),
    }
}

async fn linked(app: &Web, id: &str) -> Vec<FindingRecord> {
    let f = FindingFilter { case_id: id.into(), ..Default::default() };
    app.store.findings_page(&f, 0, 500).await.map(|x| x.0).unwrap_or_default()
}

async fn detail(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.require(Area::Supervision) {
        return r;
    }
    let c = match load(&app, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (steps, outcomes, files) = match (
        app.store.case_steps(&id).await,
        app.store.case_outcomes(&id).await,
        app.store.case_attachments(&id).await,
    ) {
        (Ok(s), Ok(o), Ok(a)) => (s, o, a),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return ui::internal(Some(&staff), e),
    };
    let insts = institutions(&app).await;
    let mut t = TablePage::new(
        Layout::new(&staff, &format!("案件 {id}"), "/supervision/cases"),
        "",
        &["阶段", "办理人", "时间", "说明"],
    );
    let overdue = if c.overdue { "<strong class=\"overdue\" data-testid=\"overdue\">已超期</strong>" } else { "" };
    t.before = format!(
        "<p><a href=\"/supervision/cases\">返回案件台账</a></p><dl class=\"grid\">
<dt>案件名称</dt><dd>{}</dd><dt>来源</dt><dd>{}</dd><dt>定点机构</dt><dd>{}</dd><dt>涉及人员</dt><dd>{}</dd>
<dt>当前状态</dt><dd data-testid=\"case-status\">{}</dd><dt>办结期限</dt><dd>{} {overdue}</dd>
<dt>追回 / 罚款 / 扣保证金（元）</dt><dd>{} / {} / {}</dd><dt>暂停协议</dt><dd>{} 次</dd></dl><h2>办理过程</h2>",
        esc(&c.title),
        cases::source_name(&c.source),
        esc(&inst_name(&insts, &c.fixmedins_code)),
        esc(&masked_person(&app, c.psn_no.as_deref()).await),
        cases::status_name(&c.status),
        esc(&c.due_date),
        ui::yuan(c.recovered),
        ui::yuan(c.fine),
        ui::yuan(c.deposit),
        c.suspensions
    );
    t.rows = steps
        .iter()
        .map(|s| vec![Cell::t(cases::status_name(&s.status)), Cell::t(&s.actor), Cell::t(&s.at), Cell::t(&s.note)])
        .collect();
    let mut after = String::new();
    if let Some(next) = cases::next_status(&c.status) {
        after.push_str(&format!(
            "<form method=\"post\" action=\"/supervision/cases/{}/advance\" class=\"filters\">{}
<input type=\"hidden\" name=\"from\" value=\"{}\"><input type=\"hidden\" name=\"to\" value=\"{next}\">
<label class=\"wide\">办理说明 <input name=\"note\" required maxlength=\"500\" data-testid=\"advance-note\"></label>
<button type=\"submit\" data-testid=\"advance\">推进到“{}”</button></form>",
            esc(&id),
            hidden(&staff),
            esc(&c.status),
            cases::status_name(next)
        ));
    }
    let mine = linked(&app, &id).await;
    after.push_str("<h2>关联疑点</h2>");
    if mine.is_empty() {
        after.push_str("<p class=\"empty\">尚未关联疑点。</p>");
    } else {
        after.push_str("<table class=\"list\"><thead><tr><th>疑点编号</th><th>发生日期</th><th>规则</th><th>金额（元）</th><th>状态</th></tr></thead><tbody>");
        for f in &mine {
            after.push_str(&format!(
                "<tr><td><a href=\"/supervision/findings/{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td class=\"num\">{3}</td><td>{4}</td></tr>",
                esc(&f.row.finding_id),
                esc(&f.row.occurred_on),
                esc(&format!("{} {}", f.row.rule_id, f.row.rule_name)),
                ui::yuan(f.row.amount),
                supervision::status_name(&f.row.status)
            ));
        }
        after.push_str("</tbody></table>");
    }
    if c.status != cases::CLOSED {
        let f = FindingFilter { fixmedins_code: c.fixmedins_code.clone(), ..Default::default() };
        let candidates: Vec<(String, String)> = app
            .store
            .findings_page(&f, 0, 500)
            .await
            .map(|x| x.0)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.case_id.is_none() && matches!(f.row.status.as_str(), HELD | CONFIRMED))
            .map(|f| {
                let label = format!(
                    "{} {} {} {} 元（{}）",
                    f.row.finding_id,
                    f.row.occurred_on,
                    f.row.rule_name,
                    ui::yuan(f.row.amount),
                    supervision::status_name(&f.row.status)
                );
                (f.row.finding_id, label)
            })
            .collect();
        if !candidates.is_empty() {
            after.push_str(&format!(
                "<form method=\"post\" action=\"/supervision/cases/{}/link\" class=\"filters\">{}
<label class=\"wide\">本机构未归案的疑点 <select name=\"finding\" data-testid=\"link-finding\">{}</select></label>
<button type=\"submit\" data-testid=\"link\">关联到本案</button></form>",
                esc(&id),
                hidden(&staff),
                options(&candidates, "")
            ));
        }
    }
    after.push_str("<h2>处理结果</h2>");
    if outcomes.is_empty() {
        after.push_str("<p class=\"empty\">尚无处理结果。</p>");
    } else {
        after.push_str("<table class=\"list\"><thead><tr><th>类别</th><th>金额（元）</th><th>暂停期间</th><th>说明</th><th>登记</th></tr></thead><tbody>");
        for o in &outcomes {
            let span = match (&o.begndate, &o.enddate) {
                (Some(b), Some(e)) => format!("{b} 至 {e}"),
                (Some(b), None) => format!("{b} 起，另行通知"),
                _ => String::new(),
            };
            after.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                cases::outcome_name(&o.kind),
                ui::yuan(o.amount),
                esc(&span),
                esc(&o.note),
                esc(&o.at),
                esc(&o.actor)
            ));
        }
        after.push_str("</tbody></table>");
    }
    if c.status == HANDLE {
        let boxes: String = mine
            .iter()
            .filter(|f| f.row.status == CONFIRMED)
            .map(|f| {
                format!(
                    "<label class=\"check\"><input type=\"checkbox\" name=\"finding\" value=\"{0}\"> {0}（{1} 元）</label>",
                    esc(&f.row.finding_id),
                    ui::yuan(f.row.amount)
                )
            })
            .collect();
        let boxes = if boxes.is_empty() {
            String::new()
        } else {
            format!("<p>追回时标记为已追回的疑点：{boxes}</p>")
        };
        after.push_str(&format!(
            "<form method=\"post\" action=\"/supervision/cases/{}/outcome\" class=\"filters\">{}
<label>类别 <select name=\"kind\" data-testid=\"outcome-kind\">{}</select></label>
<label>金额（元；暂停填 0；追回填 0 按所选疑点合计） <input name=\"amount\" value=\"0\" data-testid=\"outcome-amount\"></label>
<label>暂停开始 <input type=\"date\" name=\"begndate\" value=\"{}\"></label>
<label>暂停结束（空为另行通知） <input type=\"date\" name=\"enddate\"></label>
<label class=\"wide\">说明 <input name=\"note\" required maxlength=\"200\" data-testid=\"outcome-note\"></label>{boxes}
<button type=\"submit\" class=\"danger\" data-testid=\"outcome\">登记处理结果</button></form>",
            esc(&id),
            hidden(&staff),
            options(&pairs(OUTCOMES), ""),
            today()
        ));
    } else if c.status != cases::CLOSED {
        after.push_str("<p class=\"hint\">案件推进到“处理”阶段后可登记处理结果。</p>");
    }
    after.push_str("<h2>附件</h2>");
    if !files.is_empty() {
        after.push_str("<ul>");
        for a in &files {
            after.push_str(&format!(
                "<li><a href=\"/supervision/cases/{}/attachments/{}\">{}</a>（{}，{} 字节，{} {}）</li>",
                esc(&id),
                esc(&a.attachment_id),
                esc(&a.name),
                esc(&a.content_type),
                a.size,
                esc(&a.at),
                esc(&a.actor)
            ));
        }
        after.push_str("</ul>");
    }
    after.push_str(&format!(
        "<form method=\"post\" action=\"/supervision/cases/{}/attachments\" enctype=\"multipart/form-data\" class=\"filters\">{}
<label>文件（不超过 {} KB） <input type=\"file\" name=\"file\" required data-testid=\"attachment\"></label>
<button type=\"submit\" data-testid=\"upload\">上传</button></form>",
        esc(&id),
        hidden(&staff),
        MAX_ATTACHMENT / 1024
    ));
    t.after = after;
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AdvanceForm {
    csrf: String,
    rid: String,
    from: String,
    to: String,
    note: String,
}

async fn advance(State(app): State<App>, staff: Staff, Path(id): Path<String>, Form(f): Form<AdvanceForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Supervision, &f.csrf) {
        return r;
    }
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return ui::bad(&staff, "请填写办理说明（500 字以内）");
    }
    if cases::status_seq(&f.from) == 0 || cases::status_seq(&f.to) == 0 {
        return ui::bad(&staff, "案件状态无效，请刷新案件页面后从当前环节重新办理");
    }
    let detail = format!("{} → {}：{note}", cases::status_name(&f.from), cases::status_name(&f.to));
    let op = Op::Case(CaseOp::Advance {
        case_id: id.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        actor: staff.username.clone(),
        note: note.into(),
    });
    let to = format!("/supervision/cases/{id}");
    apply(
        &app,
        &staff,
        &f.rid,
        Change { ops: vec![op], action: "推进案件", entity: "case", entity_id: &id, detail, to },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    csrf: String,
    rid: String,
    finding: String,
}

async fn link(State(app): State<App>, staff: Staff, Path(id): Path<String>, Form(f): Form<LinkForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Supervision, &f.csrf) {
        return r;
    }
    let c = match load(&app, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let finding = match app.store.finding(f.finding.trim()).await {
        Ok(Some(x)) => x,
        Ok(None) => return ui::bad(&staff, &format!("疑点“{}”不存在", f.finding.trim())),
        Err(e) => return ui::internal(Some(&staff), e),
    };
    if finding.row.fixmedins_code != c.fixmedins_code {
        return ui::bad(
            &staff,
            &format!("疑点 {} 不属于本案机构 {}，请只关联该机构的疑点", finding.row.finding_id, c.fixmedins_code),
        );
    }
    let op = Op::Case(CaseOp::Link { case_id: id.clone(), finding_id: finding.row.finding_id.clone() });
    let detail = format!("关联疑点 {}（{} 元）", finding.row.finding_id, ui::yuan(finding.row.amount));
    let to = format!("/supervision/cases/{id}");
    apply(
        &app,
        &staff,
        &f.rid,
        Change { ops: vec![op], action: "关联疑点", entity: "case", entity_id: &id, detail, to },
    )
    .await
}

async fn outcome(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map_or(String::new(), |(_, v)| v.trim().to_string());
    if let Err(r) = staff.require_post(Area::Supervision, &get("csrf")) {
        return r;
    }
    let c = match load(&app, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let kind = get("kind");
    if !OUTCOMES.iter().any(|(k, _)| *k == kind) {
        return ui::bad(&staff, &format!("处理结果类别“{kind}”无效"));
    }
    let Ok(mut amount) = get("amount").replace(',', "").parse::<yibao_core::Fen>() else {
        return ui::bad(&staff, &format!("金额“{}”无效（元，最多两位小数）", get("amount")));
    };
    let note = get("note");
    if note.is_empty() || note.chars().count() > 200 {
        return ui::bad(&staff, "请填写处理说明（200 字以内）");
    }
    let (mut begndate, mut enddate) = (None, None);
    if kind == "suspend" {
        let (b, e) = (get("begndate"), get("enddate"));
        if !valid_date(&b) {
            return ui::bad(&staff, "暂停开始日期无效（应为 年-月-日）");
        }
        if !e.is_empty() && (!valid_date(&e) || e < b) {
            return ui::bad(&staff, "暂停结束日期无效或早于开始日期");
        }
        begndate = Some(b);
        enddate = (!e.is_empty()).then_some(e);
    }
    let recovered: Vec<String> = if kind == "recover" {
        form.iter().filter(|(n, _)| n == "finding").map(|(_, v)| v.clone()).collect()
    } else {
        Vec::new()
    };
    let mine = linked(&app, &id).await;
    if let Some(x) = recovered.iter().find(|x| !mine.iter().any(|f| f.row.finding_id == **x)) {
        return ui::bad(&staff, &format!("疑点 {x} 未关联到本案，请先在“关联疑点”中关联后再登记追回"));
    }
    if kind == "recover" && amount.0 == 0 {
        // A recovery of 0 yuan with findings ticked recovers what they held.
        amount.0 = mine.iter().filter(|f| recovered.contains(&f.row.finding_id)).map(|f| f.row.amount).sum();
    }
    if amount.0 < 0 || (kind != "suspend" && amount.0 == 0) {
        return ui::bad(&staff, "金额应大于 0（暂停协议填 0；追回填 0 时按所选疑点金额合计）");
    }
    if kind == "suspend" && amount.0 != 0 {
        return ui::bad(&staff, "暂停医保服务协议的金额应填 0");
    }
    let span = match (&begndate, &enddate) {
        (Some(b), Some(e)) => format!("；暂停 {b} 至 {e}"),
        (Some(b), None) => format!("；暂停自 {b} 起，另行通知"),
        _ => String::new(),
    };
    let detail =
        format!("{} {} 元{span}；{note}；追回疑点 {}", cases::outcome_name(&kind), amount, recovered.join("、"));
    let o = OutcomeRow {
        outcome_id: app.gw.ids.id('O'),
        case_id: id.clone(),
        fixmedins_code: c.fixmedins_code.clone(),
        kind: kind.clone(),
        amount: amount.0,
        begndate,
        enddate,
        note,
        actor: staff.username.clone(),
    };
    let to = format!("/supervision/cases/{id}");
    let ch = Change {
        ops: cases::outcome_ops(o, &recovered),
        action: "登记案件处理结果",
        entity: "case",
        entity_id: &id,
        detail,
        to,
    };
    let r = apply(&app, &staff, &get("rid"), ch).await;
    if kind == "suspend" {
        // This process's gateway forgets its agreements now; others follow the institution epoch.
        app.gw.forget_institutions();
    }
    r
}

async fn upload(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parts = match super::multipart::posted(&staff, Area::Supervision, &headers, body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = load(&app, &staff, &id).await {
        return r;
    }
    let Some(file) = super::multipart::files(&parts, "file").next() else {
        return ui::bad(&staff, "请选择要上传的文件");
    };
    if file.data.is_empty() || file.data.len() > MAX_ATTACHMENT {
        return ui::bad(&staff, &format!("附件大小应在 1 字节至 {} KB 之间", MAX_ATTACHMENT / 1024));
    }
    let name = file.file_name();
    let content_type =
        if file.content_type.is_empty() { "application/octet-stream".to_string() } else { file.content_type.clone() };
    let detail = format!("上传附件 {name}（{content_type}，{} 字节）", file.data.len());
    let a = AttachmentRow {
        attachment_id: app.gw.ids.id('F'),
        case_id: id.clone(),
        name,
        content_type,
        content: file.data.clone(),
        actor: staff.username.clone(),
    };
    let to = format!("/supervision/cases/{id}");
    let ops = vec![Op::Case(CaseOp::Attach(a))];
    apply(
        &app,
        &staff,
        &super::multipart::field(&parts, "rid"),
        Change { ops, action: "上传案件附件", entity: "case", entity_id: &id, detail, to },
    )
    .await
}

async fn download(State(app): State<App>, staff: Staff, Path((id, aid)): Path<(String, String)>) -> Response {
    if let Err(r) = staff.require(Area::Supervision) {
        return r;
    }
    let (info, bytes) = match app.store.case_attachment(&id, &aid).await {
        Ok(Some(x)) => x,
        Ok(None) => return ui::not_found(&staff, &format!("案件 {id} 没有附件 {aid}")),
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let audit = ui::audit_row(&app, &staff.username, "下载案件附件", "case", &id, &info.name);
    if let Err(e) = app.store.commit(vec![audit]).await {
        return ui::internal(Some(&staff), e);
    }
    export::download(bytes, &info.name, &info.content_type)
}
