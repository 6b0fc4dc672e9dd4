//! The 事后审核 page (/supervision/runs): an auditor runs the review of a period and region with the region's rule
//! pack in force (the version the gateway serves) in the background — once per form request id, one run at a time
//! per region, period and rules — the page showing 运行中 and then the result; the stored runs with their counts per
//! rule, amounts at stake and timings, each linked to its findings. Reviewers read; clerks are refused.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use yibao_gateway::screening::library;
use yibao_store::review_run::{ReviewRequest, RunSummary, run_id, run_review};
use yibao_store::webop::WebOp;
use yibao_store::{Op, params};

use super::{hidden, period, today};
use crate::auth::{Area, Staff};
use crate::table::{Cell, TablePage};
use crate::ui::{self, Layout, esc};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new().route("/supervision/runs", get(show).post(start))
}

/// A run started from this process.
#[derive(Clone)]
enum RunState {
    Running,
    Done(Box<RunSummary>),
    Failed(String),
}

#[derive(Clone)]
struct Job {
    run_id: String,
    what: String,
    state: RunState,
}

/// The runs started from this process, by form request id (finished ones are kept for their result page).
static JOBS: LazyLock<Mutex<HashMap<String, Job>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// How many finished runs are remembered for their result page.
const KEEP: usize = 200;

fn jobs() -> std::sync::MutexGuard<'static, HashMap<String, Job>> {
    JOBS.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunsQuery {
    job: String,
}

const HEADERS: [&str; 11] = [
    "审核批次",
    "审核期间",
    "统筹区",
    "审核人",
    "开始时间",
    "完成时间",
    "分析结算（笔）",
    "疑点（条）",
    "涉及金额（元）",
    "各规则疑点",
    "用时（秒）",
];

fn secs(ms: u64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

fn result_text(s: &RunSummary) -> String {
    let amount: i64 = s.rules.iter().map(|r| r.amount).sum();
    if s.already_stored {
        format!(
            "审核批次 {} 已入库（同一统筹区、期间与规则），本次未重复写入疑点；本次分析 {} 笔结算，疑点 {} 条。",
            s.run_id, s.settlements, s.findings
        )
    } else {
        format!(
            "审核批次 {} 已入库：分析 {} 笔结算、{} 条费用明细，疑点 {} 条，涉及金额 {} 元，状态“待查”。",
            s.run_id,
            s.settlements,
            s.lines,
            s.findings,
            ui::yuan(amount)
        )
    }
}

async fn show(State(app): State<App>, staff: Staff, Query(q): Query<RunsQuery>) -> Response {
    if let Err(r) = staff.require(Area::FindingReview) {
        return r;
    }
    let stored = match app
        .store
        .scan(
            "SELECT * FROM audit_run WHERE run_id LIKE 'RV%' ORDER BY started_at DESC, run_id DESC LIMIT 200",
            params![],
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let mut t = TablePage::new(Layout::new(&staff, "事后审核", "/supervision/runs"), "", &HEADERS);
    let mut before = String::new();
    let running: Vec<Job> = jobs().values().filter(|j| matches!(j.state, RunState::Running)).cloned().collect();
    let mine = (!q.job.is_empty()).then(|| jobs().get(&q.job).cloned()).flatten();
    match mine.as_ref().map(|j| &j.state) {
        Some(RunState::Running) => {}
        Some(RunState::Done(s)) => t.notice = result_text(s),
        Some(RunState::Failed(e)) => {
            before.push_str(&format!("<div class=\"error\" data-testid=\"run-error\">审核未完成：{}</div>", esc(e)))
        }
        None => {}
    }
    if !running.is_empty() {
        // The page refreshes itself while a run is going.
        before.push_str("<meta http-equiv=\"refresh\" content=\"3\">");
        for j in &running {
            before.push_str(&format!(
                "<p class=\"notice\" data-testid=\"run-running\">运行中：{}（批次 {}），完成后本页显示结果。<a href=\"\">刷新</a></p>",
                esc(&j.what),
                esc(&j.run_id)
            ));
        }
    }
    if staff.role.can(Area::Supervision) {
        let (from, to) = period("", "");
        // The regions with a rule pack stored, offered in the region field.
        let regions: String = app
            .store
            .rule_pack_regions()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| format!("<option value=\"{}\">", esc(r)))
            .collect();
        before.push_str(&format!(
            "<h2>运行事后审核</h2><form method=\"post\" action=\"/supervision/runs\" class=\"filters\">{}
<label>审核期间自 <input type=\"date\" name=\"from\" value=\"{}\" required data-testid=\"run-from\"></label>
<label>至 <input type=\"date\" name=\"to\" value=\"{}\" required data-testid=\"run-to\"></label>
<label>统筹区 <input name=\"admdvs\" value=\"{}\" maxlength=\"6\" required list=\"run-regions\" data-testid=\"run-admdvs\"></label><datalist id=\"run-regions\">{regions}</datalist>
<button type=\"submit\" data-testid=\"run-start\">运行审核</button></form>
<p>按统筹区当前生效的规则库版本（与结算时事中审核相同）审核该期间的全部结算；同一统筹区、期间与规则只入库一次。</p>",
            hidden(&staff),
            esc(&from),
            esc(&to),
            esc(&app.gw.default_admdvs)
        ));
    }
    before.push_str("<h2>审核批次</h2>");
    t.before = before;
    for r in &stored {
        let run = r.text("run_id");
        let sum: Option<RunSummary> = serde_json::from_str(&r.text("summary")).ok();
        let (amount, per_rule, took) = match &sum {
            Some(s) => {
                let per: Vec<String> = s
                    .rules
                    .iter()
                    .filter(|x| x.cases > 0)
                    .map(|x| format!("{} {} {} 条 {} 元", x.rule_id, x.rule_name, x.cases, ui::yuan(x.amount)))
                    .collect();
                let took = format!(
                    "读取 {} / 构建 {} / 审核 {} / 入库 {}",
                    secs(s.read_ms),
                    secs(s.build_ms),
                    secs(s.review_ms),
                    secs(s.store_ms)
                );
                (ui::yuan(s.rules.iter().map(|x| x.amount).sum()), per.join("；"), took)
            }
            None => (String::new(), String::new(), String::new()),
        };
        let mut c = vec![
            Cell::link(&run, format!("/supervision/findings?run={}", ui::url_encode(&run))),
            Cell::t(format!("{} 至 {}", r.text("period_from"), r.text("period_to"))),
            Cell::t(r.text("admdvs")),
            Cell::t(r.text("opter")),
            Cell::t(r.text("started_at")),
            Cell::t(r.text("finished_at")),
            Cell::n(r.int("settlements").to_string()),
            Cell::link(r.int("findings").to_string(), format!("/supervision/findings?run={}", ui::url_encode(&run))),
            Cell::n(amount),
            Cell::t(if per_rule.is_empty() { "无疑点".to_string() } else { per_rule }),
            Cell::t(took),
        ];
        c[7].num = true;
        t.rows.push(c);
    }
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunForm {
    csrf: String,
    rid: String,
    from: String,
    to: String,
    admdvs: String,
}

fn date(name: &str, v: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| format!("{name}“{v}”无效（应为 年-月-日）"))
}

async fn start(State(app): State<App>, staff: Staff, Form(f): Form<RunForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Supervision, &f.csrf) {
        return r;
    }
    let rid = f.rid.trim().to_string();
    if rid.is_empty() || rid.len() > 64 {
        return ui::bad(&staff, "表单缺少有效的请求编号（rid），请刷新页面后重试");
    }
    let to_page = format!("/supervision/runs?job={}", ui::url_encode(&rid));
    // Sent before: where it went (a run finished, or one still running in this process).
    match app.store.web_request(&rid).await {
        Ok(Some(done)) => return Redirect::to(&done).into_response(),
        Ok(None) => {}
        Err(e) => return ui::internal(Some(&staff), e),
    }
    if jobs().contains_key(&rid) {
        return Redirect::to(&to_page).into_response();
    }
    let (from, to) = match (date("审核期间开始日期", &f.from), date("审核期间结束日期", &f.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return ui::bad(&staff, &e),
    };
    if from > to {
        return ui::bad(&staff, &format!("审核期间：开始日期 {from} 晚于结束日期 {to}，请改正后再运行"));
    }
    let admdvs = f.admdvs.trim().to_string();
    if admdvs.len() != 6 || !admdvs.bytes().all(|b| b.is_ascii_digit()) {
        return ui::bad(&staff, &format!("统筹区“{admdvs}”无效（应为 6 位行政区划代码）"));
    }
    let screening = match library::in_force(&app.store, &admdvs, &today()).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return ui::bad(&staff, &format!("统筹区 {admdvs} 尚未安装规则库，无法运行事后审核（请先在“规则库”上传）"));
        }
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let version = screening.stored.clone().unwrap_or_else(|| screening.pack.version.clone());
    let tag = library::review_tag(&admdvs, &version);
    let id = run_id(Some(&admdvs), from, to, &tag);
    let what = format!("{from} 至 {to}，统筹区 {admdvs}，规则库版本 {version}");
    {
        let mut j = jobs();
        // The same run already going here: this press follows it instead of running it twice.
        if let Some((other, _)) = j.iter().find(|(_, x)| x.run_id == id && matches!(x.state, RunState::Running)) {
            let other = format!("/supervision/runs?job={}", ui::url_encode(other));
            return Redirect::to(&other).into_response();
        }
        if j.len() >= KEEP {
            let old: Vec<String> =
                j.iter().filter(|(_, x)| !matches!(x.state, RunState::Running)).map(|(k, _)| k.clone()).collect();
            for k in old {
                j.remove(&k);
            }
        }
        j.insert(rid.clone(), Job { run_id: id.clone(), what: what.clone(), state: RunState::Running });
    }
    let app2 = app.clone();
    let back = to_page.clone();
    tokio::spawn(async move {
        let pack = &screening.pack;
        let req = ReviewRequest {
            from,
            to,
            admdvs: Some(&admdvs),
            opter: &staff.username,
            pack,
            rules_tag: &tag,
            threads: 0,
        };
        let state = match run_review(&app2.store, &req).await {
            Ok((sum, _)) => {
                record(&app2, &staff, &rid, &back, &what, &sum).await;
                RunState::Done(Box::new(sum))
            }
            Err(e) => {
                tracing::warn!(error = %e, run = %id, "review run failed");
                // Logged, but the request id is not recorded: the same form may be sent again.
                let row =
                    ui::audit_row(&app2, &staff.username, "事后审核未完成", "audit_run", &id, &format!("{what}：{e}"));
                if let Err(e) = app2.store.commit(vec![row]).await {
                    tracing::warn!(error = %e, run = %id, "failed review run's audit row not stored");
                }
                RunState::Failed(e.to_string())
            }
        };
        if let Some(j) = jobs().get_mut(&rid) {
            j.state = state;
        }
    });
    Redirect::to(&to_page).into_response()
}

/// The request id (so the form sent again shows this result) and the audit row of a finished run.
async fn record(app: &Web, staff: &Staff, rid: &str, to: &str, what: &str, s: &RunSummary) {
    let amount: i64 = s.rules.iter().map(|r| r.amount).sum();
    let detail = format!(
        "{what}：分析 {} 笔结算，疑点 {} 条，涉及 {} 元{}",
        s.settlements,
        s.findings,
        ui::yuan(amount),
        if s.already_stored { "（已入库，未重复写入）" } else { "" }
    );
    let ops = vec![
        Op::Web(WebOp::Request {
            request_id: rid.into(),
            username: staff.username.clone(),
            action: "事后审核".into(),
            result: to.into(),
        }),
        ui::audit_row(app, &staff.username, "事后审核", "audit_run", &s.run_id, &detail),
    ];
    if let Err(e) = app.store.commit(ops).await {
        tracing::warn!(error = %e, run = %s.run_id, "review run's audit row not stored");
    }
}
