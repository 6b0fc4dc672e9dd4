//! The rule library page (规则库): a region's stored rule pack versions (newest first, who and when), every rule of
//! the version in force with its template, 严重程度, scenes, dates, regions and knowledge rows, and the upload of a
//! new version (pack TOML with its knowledge files) validated before anything is stored.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use yibao_gateway::screening::library::{self, Install, PackUpload};

use super::{Change, apply, hidden, multipart, today, valid_date};
use crate::App;
use crate::auth::{Area, Staff};
use crate::table::{Cell, TablePage};
use crate::ui::{self, Layout, esc};

/// The largest upload (a pack and its knowledge files together).
const MAX_UPLOAD: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/supervision/rules", get(show).post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RulesQuery {
    admdvs: String,
}

const HEADERS: [&str; 9] =
    ["规则ID", "规则名称", "模板", "严重程度", "触发场景", "生效期间", "适用统筹区", "知识库行数", "结算时处理"];

fn scenes(s: &[u8]) -> String {
    if s.is_empty() {
        return "仅事后审核".into();
    }
    let list: Vec<String> = s.iter().map(u8::to_string).collect();
    format!("{}（{}）", list.join("、"), if s.iter().all(|x| *x <= 5) { "3101" } else { "3101/3102" })
}

async fn show(State(app): State<App>, staff: Staff, Query(q): Query<RulesQuery>) -> Response {
    page(&app, &staff, q.admdvs.trim(), None).await
}

/// The page; `errors` (a refused upload's) are shown above the form with status 422.
async fn page(app: &App, staff: &Staff, admdvs: &str, errors: Option<&str>) -> Response {
    if let Err(r) = staff.require(Area::FindingReview) {
        return r;
    }
    let admdvs = if admdvs.is_empty() { app.gw.default_admdvs.clone() } else { admdvs.to_string() };
    let day = today();
    let (versions, regions) = match (app.store.rule_pack_versions(&admdvs).await, app.store.rule_pack_regions().await) {
        (Ok(v), Ok(r)) => (v, r),
        (Err(e), _) | (_, Err(e)) => return ui::internal(Some(staff), e),
    };
    let current = match library::in_force(&app.store, &admdvs, &day).await {
        Ok(c) => c,
        Err(e) => return ui::internal(Some(staff), e),
    };
    let mut t = TablePage::new(Layout::new(staff, "规则库", "/supervision/rules"), "", &HEADERS);
    let mut before = String::new();
    if regions.len() > 1 {
        let links: Vec<String> = regions
            .iter()
            .map(|r| format!("<a href=\"/supervision/rules?admdvs={}\">{}</a>", esc(r), esc(r)))
            .collect();
        before.push_str(&format!("<p>统筹区：{}</p>", links.join(" ")));
    }
    before.push_str(&format!("<h2>统筹区 {} 的规则库版本</h2>", esc(&admdvs)));
    if versions.is_empty() {
        before.push_str("<p data-testid=\"no-versions\">尚未安装规则库版本：3101/3102 将答复“未配置规则库”。</p>");
    } else {
        before.push_str(
            "<table data-testid=\"versions\"><thead><tr><th>版本</th><th>名称</th><th>生效日期</th><th>状态</th>\
<th>安装人</th><th>安装时间</th><th>文件</th></tr></thead><tbody>",
        );
        let now = current.as_ref().and_then(|c| c.stored.clone());
        for v in &versions {
            let state = if now.as_deref() == Some(v.version.as_str()) {
                "当前生效"
            } else if v.effective.as_str() > day.as_str() {
                "待生效"
            } else {
                "历史版本"
            };
            before.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{state}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.version),
                esc(&v.name),
                esc(&v.effective),
                esc(&v.installed_by),
                esc(&v.installed_at),
                esc(&v.source)
            ));
        }
        before.push_str("</tbody></table>");
    }
    if let Some(s) = &current {
        let p = &s.pack;
        let mut modes = format!("默认 {}（{}）", s.on_settle(&p.admdvs).name(), s.on_settle(&p.admdvs).name_zh());
        for (r, m) in &p.on_settle.by_region {
            modes.push_str(&format!("；{} {}（{}）", esc(r), m.name(), m.name_zh()));
        }
        before.push_str(&format!(
            "<h2>当前版本 {} 的规则</h2><p data-testid=\"current\">{}（规则库版本 {}，{} 条规则）；结算时 on_settle：{modes}</p>",
            esc(s.stored.as_deref().unwrap_or("")),
            esc(&p.name),
            esc(&p.version),
            p.rules().len()
        ));
        t.rows = p
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut regions =
                    format!("{}{}", esc(&p.admdvs), if r.enabled { "（默认开启）" } else { "（默认关闭）" });
                for (region, on) in p.switches_of(i) {
                    regions.push_str(&format!("；{}{}", esc(region), if on { "开启" } else { "关闭" }));
                }
                let dates = format!("{} 至 {}", r.begin, r.end.map_or("长期".to_string(), |e| e.to_string()));
                let settle =
                    if r.trig_scen.iter().any(|x| *x >= 6) { "见 on_settle" } else { "不在结算时运行" };
                vec![
                    Cell::t(&r.info.id),
                    Cell::t(&r.info.name),
                    Cell::t(r.template().name_zh()),
                    Cell::t(format!("{} {}", r.info.sev_deg, r.info.sev_deg_name)),
                    Cell::t(scenes(&r.trig_scen)),
                    Cell::t(dates),
                    Cell::t(regions),
                    Cell::n(r.knowledge_rows.to_string()),
                    Cell::t(settle),
                ]
            })
            .collect();
    }
    t.before = before;
    let mut after = String::new();
    if let Some(e) = errors {
        after.push_str(&format!(
            "<div class=\"error\" data-testid=\"rule-errors\"><h2>规则库未通过校验，未作任何修改</h2><pre>{}</pre></div>",
            esc(e)
        ));
    }
    if staff.role.can(Area::Supervision) {
        after.push_str(&format!(
            "<h2>上传新版本</h2><form method=\"post\" action=\"/supervision/rules\" enctype=\"multipart/form-data\" class=\"filters\">{}
<label>规则库文件（TOML） <input type=\"file\" name=\"pack\" accept=\".toml\" required data-testid=\"rule-pack\"></label>
<label>知识库文件（CSV/xlsx，可多选） <input type=\"file\" name=\"knowledge\" multiple data-testid=\"rule-knowledge\"></label>
<label>版本号（默认取 [pack] version） <input name=\"version\" maxlength=\"40\"></label>
<label>生效日期 <input type=\"date\" name=\"effective\" value=\"{}\" required></label>
<button type=\"submit\" data-testid=\"rule-upload\">校验并安装</button></form>",
            hidden(staff),
            esc(&day)
        ));
    }
    t.after = after;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, ui::render(&t)).into_response()
}

async fn upload(State(app): State<App>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    let parts = match multipart::posted(&staff, Area::Supervision, &headers, body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let field = |k: &str| multipart::field(&parts, k);
    let Some(pack) = multipart::files(&parts, "pack").next() else {
        return ui::bad(&staff, "请选择规则库文件（TOML）");
    };
    let Ok(text) = String::from_utf8(pack.data.clone()) else {
        return page(&app, &staff, "", Some("规则库文件不是 UTF-8 编码的文本")).await;
    };
    let upload = PackUpload {
        file: pack.file_name(),
        text,
        files: multipart::files(&parts, "knowledge").map(|p| (p.file_name(), p.data.clone())).collect(),
    };
    let effective = field("effective").trim().to_string();
    let effective = if effective.is_empty() { today() } else { effective };
    if !valid_date(&effective) {
        return page(&app, &staff, "", Some(&format!("生效日期“{effective}”无效（应为 年-月-日）"))).await;
    }
    let version = field("version").trim().to_string();
    let how = Install {
        version: (!version.is_empty()).then_some(version.as_str()),
        effective: &effective,
        by: &staff.username,
    };
    let (pack, new) = match library::prepare(&upload, &how) {
        Ok(x) => x,
        Err(e) => return page(&app, &staff, "", Some(&e.to_string())).await,
    };
    let id = format!("{}@{}", new.admdvs, new.version);
    let detail = format!(
        "安装规则库 {}（{}，{} 条规则，知识库文件 {} 个），自 {effective} 起生效",
        pack.name,
        upload.file,
        pack.rules().len(),
        new.files.len()
    );
    let to = format!("/supervision/rules?admdvs={}", pack.admdvs);
    let ch = Change {
        ops: vec![library::insert(new)],
        action: "安装规则库",
        entity: "rule_pack",
        entity_id: &id,
        detail,
        to,
    };
    let r = apply(&app, &staff, &field("rid"), ch).await;
    // This process's gateway switches now; others follow the rules epoch within a second.
    if let Err(e) = library::reload(&app.gw).await {
        tracing::warn!(error = %e, "rule pack reload after install failed");
    }
    r
}
