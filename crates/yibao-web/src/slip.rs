//! The settlement slip (结算单): one A4 page with every fund's share, the totals and the explanation, printable or
//! saved as PDF by the browser; and the reversal of a settlement, with a reason.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use yibao_core::codes::kind;
use yibao_store::webop::WebOp;
use yibao_store::{Op, PersonRow};

use crate::App;
use crate::auth::{Area, Staff};
use crate::bill;
use crate::ui::{self, Layout};
use crate::window::{Figures, RidForm};

#[derive(Template)]
#[template(path = "slip.html")]
struct Slip {
    l: Layout,
    setl_id: String,
    psn_no: String,
    name: String,
    certno: String,
    insutype: String,
    med_type: String,
    inst: String,
    hosp_lv: String,
    time: String,
    mdtrt_id: String,
    fig: Figures,
    explanation: Vec<String>,
    state: String,
    can_reverse: bool,
    rid: String,
    region: String,
    printed: String,
}

pub async fn slip(State(app): State<App>, staff: Staff, Path((psn_no, setl_id)): Path<(String, String)>) -> Response {
    if !(staff.role.can(Area::Window) || staff.role.can(Area::Records)) {
        return staff.require(Area::Window).unwrap_err();
    }
    let e = |e: yibao_store::StoreError| ui::internal(Some(&staff), e);
    let s = match app.store.settlement(&psn_no, &setl_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return ui::not_found(&staff, &format!("结算 {setl_id} 不存在")),
        Err(x) => return e(x),
    };
    if let Err(r) = staff.check_institution(&s.fixmedins_code) {
        return r;
    }
    let p = match app.store.person(&psn_no).await {
        Ok(p) => p.unwrap_or_else(|| PersonRow { psn_name: String::new(), certno: String::new(), ..dummy_person() }),
        Err(x) => return e(x),
    };
    let inst = app.store.institution(&s.fixmedins_code).await.ok().flatten();
    let out: Value = serde_json::from_str(&s.output).unwrap_or_default();
    let detail = out["setldetail"].as_array().cloned().unwrap_or_default();
    let whole = staff.role.can(Area::WholeIdentity);
    if whole {
        let op = ui::audit_row(&app, &staff.username, "查看个人信息", "person", &psn_no, &format!("结算单 {setl_id}"));
        if let Err(x) = app.store.commit(vec![op]).await {
            return e(x);
        }
    }
    let region = app.gw.policy(&p.admdvs).map(|pol| pol.region_name.clone()).unwrap_or_default();
    ui::render_ok(&Slip {
        l: Layout::new(&staff, "医疗保障结算单", "/window"),
        setl_id: s.setl_id.clone(),
        psn_no: psn_no.clone(),
        name: if whole { p.psn_name.clone() } else { ui::mask_name(&p.psn_name) },
        certno: if whole { p.certno.clone() } else { ui::mask_id(&p.certno) },
        insutype: ui::insutype_zh(&s.insutype),
        med_type: ui::label(kind::MED_TYPE, &s.med_type),
        inst: inst
            .as_ref()
            .map_or(s.fixmedins_code.clone(), |i| format!("{}（{}）", i.fixmedins_name, i.fixmedins_code)),
        hosp_lv: inst.as_ref().map_or(String::new(), |i| ui::hosp_lv_zh(&i.hosp_lv).to_string()),
        time: s.setl_time.clone(),
        mdtrt_id: s.mdtrt_id.clone(),
        fig: Figures::of(&out["setlinfo"], &detail),
        explanation: serde_json::from_str(&s.explanation).unwrap_or_default(),
        state: match (s.kind.as_str(), &s.reversed_by) {
            ("reverse", _) => format!("撤销记录（撤销结算 {}）", s.reverses.clone().unwrap_or_default()),
            (_, Some(by)) => format!("已撤销（撤销记录 {by}）"),
            _ => "正常".into(),
        },
        can_reverse: staff.role.can(Area::Window) && s.kind == "settle" && s.reversed_by.is_none(),
        rid: ui::new_rid(),
        region,
        printed: yibao_store::now_text(),
    })
}

fn dummy_person() -> PersonRow {
    PersonRow {
        psn_no: String::new(),
        certno: String::new(),
        psn_cert_type: String::new(),
        psn_name: String::new(),
        gend: String::new(),
        brdy: String::new(),
        naty: String::new(),
        hhold_id: None,
        admdvs: String::new(),
        chosen_fixmedins_code: None,
    }
}

pub async fn reverse(
    State(app): State<App>,
    staff: Staff,
    Path((psn_no, setl_id)): Path<(String, String)>,
    Form(f): Form<RidForm>,
) -> Response {
    if let Err(r) = staff.require_post(Area::Window, &f.csrf) {
        return r;
    }
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return ui::bad(&staff, "请填写撤销原因（200 字以内）。");
    }
    match app.store.web_request(&f.rid).await {
        Ok(Some(done)) => return Redirect::to(&done).into_response(),
        Ok(None) => {}
        Err(e) => return ui::internal(Some(&staff), e),
    }
    let s = match app.store.settlement(&psn_no, &setl_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return ui::not_found(&staff, &format!("结算 {setl_id} 不存在")),
        Err(e) => return ui::internal(Some(&staff), e),
    };
    if let Err(r) = staff.check_institution(&s.fixmedins_code) {
        return r;
    }
    let inpatient = matches!(app.store.visit(&psn_no, &s.mdtrt_id).await, Ok(Some(v)) if v.kind == "ipt");
    let infno = if inpatient { "2305" } else { "2208" };
    let input = serde_json::json!({ "data": { "psn_no": psn_no, "setl_id": setl_id, "mdtrt_id": s.mdtrt_id } });
    let msgid = bill::msgid(&f.rid, &setl_id, infno);
    let out = match bill::call(&app, &staff, &s.fixmedins_code, &msgid, infno, input).await {
        Ok(o) => o,
        Err(m) => return ui::message(Some(&staff), StatusCode::UNPROCESSABLE_ENTITY, "撤销未完成", &m),
    };
    let new_id = out["setlinfo"]["setl_id"].as_str().unwrap_or_default().to_string();
    let to = format!("/settlement/{psn_no}/{setl_id}");
    let ops = vec![
        Op::Web(WebOp::Request {
            request_id: f.rid.clone(),
            username: staff.username.clone(),
            action: "reverse".into(),
            result: to.clone(),
        }),
        ui::audit_row(
            &app,
            &staff.username,
            "撤销结算",
            "settlement",
            &setl_id,
            &format!("撤销记录 {new_id}；原因：{reason}"),
        ),
    ];
    match app.store.commit(ops).await {
        Ok(()) | Err(yibao_store::StoreError::Duplicate(_)) => Redirect::to(&to).into_response(),
        Err(e) => ui::internal(Some(&staff), e),
    }
}
