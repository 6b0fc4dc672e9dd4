//! Policy versions: the list, one version's pack, two versions side by side (a line diff), and uploading a new pack
//! with its validation errors shown in the page (file, line, field, reason).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use yibao_core::Policy;
use yibao_store::{Op, StoreError, params};

use crate::App;
use crate::auth::{Area, Staff};
use crate::ui::{self, Layout};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/records/policies", get(list).post(upload))
        .route("/records/policies/{admdvs}/{version}", get(view))
        .route("/records/policies-compare", get(compare))
}

pub struct Version {
    pub admdvs: String,
    pub version: String,
    pub loaded_at: String,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "policies.html")]
struct ListPage {
    l: Layout,
    versions: Vec<Version>,
    can_upload: bool,
    rid: String,
    pack: String,
    errors: Vec<String>,
    warnings: Vec<String>,
    notice: String,
}

async fn versions(app: &App) -> yibao_store::Result<Vec<Version>> {
    let rows = app
        .store
        .rows(
            "SELECT admdvs, version, loaded_at FROM policy_version ORDER BY admdvs, loaded_at DESC, version DESC",
            params![],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let (admdvs, version) = (r.text("admdvs"), r.text("version"));
            let in_force = app.gw.policy(&admdvs).is_ok_and(|p| p.version == version);
            Version { admdvs, version, loaded_at: r.text("loaded_at"), in_force }
        })
        .collect())
}

async fn page(
    app: &App,
    staff: &Staff,
    pack: String,
    errors: Vec<String>,
    warnings: Vec<String>,
    notice: String,
) -> Response {
    let versions = match versions(app).await {
        Ok(v) => v,
        Err(e) => return ui::internal(Some(staff), e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = ListPage {
        l: Layout::new(staff, "政策版本", "/records/policies"),
        versions,
        can_upload: staff.role.can(Area::PolicyUpload),
        rid: ui::new_rid(),
        pack,
        errors,
        warnings,
        notice,
    };
    (status, ui::render(&p)).into_response()
}

async fn list(State(app): State<App>, staff: Staff) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    page(&app, &staff, String::new(), Vec::new(), Vec::new(), String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UploadForm {
    csrf: String,
    rid: String,
    pack: String,
}

async fn upload(State(app): State<App>, staff: Staff, Form(f): Form<UploadForm>) -> Response {
    if let Err(r) = staff.require_post(Area::PolicyUpload, &f.csrf) {
        return r;
    }
    if let Ok(Some(done)) = app.store.web_request(&f.rid).await {
        return page(&app, &staff, String::new(), Vec::new(), Vec::new(), done).await;
    }
    let policy = match Policy::from_toml("上传的政策包", &f.pack) {
        Ok(p) => p,
        Err(e) => {
            let errors = e
                .diagnostics
                .iter()
                .map(|d| {
                    let at = d.line.map_or(String::new(), |l| format!("第 {l} 行第 {} 列，", d.column.unwrap_or(1)));
                    format!("{at}字段 {}：{}", d.path, d.zh)
                })
                .collect();
            return page(&app, &staff, f.pack, errors, Vec::new(), String::new()).await;
        }
    };
    let warnings: Vec<String> =
        policy.warnings.iter().map(|w| format!("第 {} 行，字段 {}：{}", w.line.unwrap_or(0), w.path, w.zh)).collect();
    let notice = format!("已上传并启用 {} {} 政策版本 {}", policy.admdvs, policy.region_name, policy.version);
    let ops = vec![
        Op::InsertPolicyVersion {
            admdvs: policy.admdvs.clone(),
            version: policy.version.clone(),
            pack: f.pack.clone(),
        },
        Op::Web(yibao_store::webop::WebOp::Request {
            request_id: f.rid.clone(),
            username: staff.username.clone(),
            action: "policy_upload".into(),
            result: notice.clone(),
        }),
        ui::audit_row(
            &app,
            &staff.username,
            "上传政策版本",
            "policy_version",
            &format!("{}@{}", policy.admdvs, policy.version),
            "",
        ),
    ];
    match app.store.commit(ops).await {
        Ok(()) => {
            app.gw.set_policy(policy);
            page(&app, &staff, String::new(), Vec::new(), warnings, notice).await
        }
        Err(StoreError::Duplicate(m)) => {
            let msg = format!("{m}：修改政策请在 [region] 中使用新的 version");
            page(&app, &staff, f.pack, vec![msg], Vec::new(), String::new()).await
        }
        Err(e) => ui::internal(Some(&staff), e),
    }
}

#[derive(Template)]
#[template(path = "policy_view.html")]
struct ViewPage {
    l: Layout,
    pack: String,
}

async fn view(State(app): State<App>, staff: Staff, Path((admdvs, version)): Path<(String, String)>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    match app.store.policy_text(&admdvs, &version).await {
        Ok(Some(pack)) => ui::render_ok(&ViewPage {
            l: Layout::new(&staff, &format!("政策版本 {admdvs} {version}"), "/records/policies"),
            pack,
        }),
        Ok(None) => ui::not_found(&staff, &format!("政策版本 {admdvs} {version} 不存在")),
        Err(e) => ui::internal(Some(&staff), e),
    }
}

/// One row of a side-by-side comparison: left line, right line, and how they differ.
pub struct DiffRow {
    pub left: String,
    pub right: String,
    /// same / changed / added / removed
    pub kind: &'static str,
}

/// A line diff (longest common subsequence), as rows for two columns.
pub fn diff(a: &str, b: &str) -> Vec<DiffRow> {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(DiffRow { left: a[i].into(), right: b[j].into(), kind: "same" });
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(DiffRow { left: String::new(), right: b[j].into(), kind: "added" });
            j += 1;
        } else {
            out.push(DiffRow { left: a[i].into(), right: String::new(), kind: "removed" });
            i += 1;
        }
    }
    out
}

#[derive(Template)]
#[template(path = "policy_compare.html")]
struct ComparePage {
    l: Layout,
    versions: Vec<Version>,
    a: String,
    b: String,
    rows: Vec<DiffRow>,
    changes: usize,
    only_changes: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompareQuery {
    a: String,
    b: String,
    all: String,
}

async fn compare(State(app): State<App>, staff: Staff, Query(q): Query<CompareQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let text = |key: &str| {
        let app = app.clone();
        let key = key.to_string();
        async move {
            let (admdvs, version) = key.split_once('@')?;
            app.store.policy_text(admdvs, version).await.ok().flatten()
        }
    };
    let (ta, tb) = (text(&q.a).await, text(&q.b).await);
    let rows = match (&ta, &tb) {
        (Some(x), Some(y)) => diff(x, y),
        _ => Vec::new(),
    };
    let changes = rows.iter().filter(|r| r.kind != "same").count();
    let only_changes = q.all.is_empty();
    let rows = if only_changes { rows.into_iter().filter(|r| r.kind != "same").collect() } else { rows };
    let versions = versions(&app).await.unwrap_or_default();
    ui::render_ok(&ComparePage {
        l: Layout::new(&staff, "政策版本对比", "/records/policies"),
        versions,
        a: q.a,
        b: q.b,
        rows,
        changes,
        only_changes,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn diff_pairs_common_lines() {
        let d = super::diff("a\nb\nc", "a\nx\nc");
        let kinds: Vec<&str> = d.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["same", "added", "removed", "same"]);
    }
}
