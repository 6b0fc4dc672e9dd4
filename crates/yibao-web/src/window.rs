//! The one-stop service window (一站式结算窗口): find a person, see their enrollment, identities, account and this
//! year's accumulators, enter or paste a bill, pre-settle it with every fund's share and the explanation, confirm,
//! print the slip, and reverse a settlement with a reason.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::Value;
use yibao_core::codes::kind;
use yibao_store::webop::WebOp;
use yibao_store::{Op, PersonRow};

use crate::auth::{Area, Staff};
use crate::bill::{self, BillForm};
use crate::ui::{self, Layout};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/window", get(search))
        .route("/window/person/{psn_no}", get(person_page))
        .route("/window/preview", post(preview))
        .route("/window/settle", post(settle))
        .route("/settlement/{psn_no}/{setl_id}", get(crate::slip::slip))
        .route("/settlement/{psn_no}/{setl_id}/reverse", post(crate::slip::reverse))
}

/// A person in a list: masked.
pub struct Found {
    pub psn_no: String,
    pub name: String,
    pub certno: String,
    pub gend: String,
    pub brdy: String,
}

#[derive(Template)]
#[template(path = "window.html")]
struct SearchPage {
    l: Layout,
    q: String,
    found: Vec<Found>,
    searched: bool,
    note: String,
}

#[derive(Deserialize)]
struct Q {
    #[serde(default)]
    q: String,
}

/// People matching an ID number, psn_no or name (names only for bureau staff, at most 50).
pub async fn find_people(app: &Web, staff: &Staff, q: &str) -> yibao_store::Result<Vec<PersonRow>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(p) = app.store.person_by_certno(&q.to_uppercase()).await? {
        return Ok(vec![p]);
    }
    if let Some(p) = app.store.person(q).await? {
        return Ok(vec![p]);
    }
    if staff.fixmedins_code.is_some() {
        return Ok(Vec::new());
    }
    let rows = app
        .store
        .rows("SELECT psn_no FROM person WHERE psn_name = $1 ORDER BY psn_no LIMIT 50", yibao_store::params![q])
        .await?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(p) = app.store.person(&r.text("psn_no")).await? {
            out.push(p);
        }
    }
    Ok(out)
}

pub fn found(p: &PersonRow) -> Found {
    Found {
        psn_no: p.psn_no.clone(),
        name: ui::mask_name(&p.psn_name),
        certno: ui::mask_id(&p.certno),
        gend: ui::label(kind::GEND, &p.gend),
        brdy: p.brdy.clone(),
    }
}

async fn search(State(app): State<App>, staff: Staff, Query(q): Query<Q>) -> Response {
    if let Err(r) = staff.require(Area::People) {
        return r;
    }
    let people = match find_people(&app, &staff, &q.q).await {
        Ok(p) => p,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let note = if staff.fixmedins_code.is_some() {
        "定点机构操作员请输入完整的身份证号或人员编号查找。"
    } else {
        ""
    };
    ui::render_ok(&SearchPage {
        l: Layout::new(&staff, "一站式结算窗口", "/window"),
        searched: !q.q.trim().is_empty(),
        q: q.q,
        found: people.iter().map(found).collect(),
        note: note.to_string(),
    })
}

/// A row of figures: label, amount in yuan, and the interface field it shows.
pub struct Fig {
    pub label: String,
    pub yuan: String,
    pub field: String,
}

/// The figures of a (pre-)settlement answer: each fund's share and the totals.
pub struct Figures {
    pub funds: Vec<Fig>,
    pub totals: Vec<Fig>,
    pub ratio: String,
}

pub fn fen_of(v: &Value) -> i64 {
    serde_json::from_value::<yibao_core::Fen>(v.clone()).map(|f| f.0).unwrap_or_default()
}

impl Figures {
    pub fn of(setlinfo: &Value, setldetail: &[Value]) -> Figures {
        let funds = setldetail
            .iter()
            .map(|d| Fig {
                label: d["fund_pay_type_name"].as_str().unwrap_or_default().to_string(),
                yuan: ui::yuan(fen_of(&d["fund_payamt"])),
                field: d["fund_pay_type"].as_str().unwrap_or_default().to_string(),
            })
            .collect();
        let totals = [
            ("医疗费总额", "medfee_sumamt"),
            ("全自费", "fulamt_ownpay_amt"),
            ("超限价自费", "overlmt_selfpay"),
            ("先行自付", "preselfpay_amt"),
            ("政策范围内费用", "inscp_scp_amt"),
            ("起付线", "act_pay_dedc"),
            ("基金支付合计", "fund_pay_sumamt"),
            ("个人负担", "psn_part_amt"),
            ("个人账户支付", "acct_pay"),
            ("现金支付", "psn_cash_pay"),
        ]
        .iter()
        .map(|(l, f)| Fig { label: l.to_string(), yuan: ui::yuan(fen_of(&setlinfo[*f])), field: f.to_string() })
        .collect();
        let ratio = ui::pct(fen_of(&setlinfo["fund_pay_sumamt"]), fen_of(&setlinfo["medfee_sumamt"]));
        Figures { funds, totals, ratio }
    }
}

pub struct PersonView {
    pub psn_no: String,
    pub name: String,
    pub certno: String,
    pub gend: String,
    pub brdy: String,
    pub admdvs: String,
    pub whole: bool,
}

pub struct AccRow {
    pub item: String,
    pub used: String,
    pub cap: String,
    pub left: String,
}

pub struct SetlRow {
    pub psn_no: String,
    pub setl_id: String,
    pub time: String,
    pub inst: String,
    pub insutype: String,
    pub med_type: String,
    pub medfee: String,
    pub fund: String,
    pub cash: String,
    pub state: String,
    pub live: bool,
}

pub struct Opt {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

fn opts(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Opt> {
    items.into_iter().map(|(code, label)| Opt { selected: code == selected, code, label }).collect()
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    p: PersonView,
    enrollments: Vec<[String; 4]>,
    identities: Vec<[String; 4]>,
    diseases: Vec<[String; 3]>,
    balance: String,
    acc: Vec<AccRow>,
    acc_year: i64,
    setls: Vec<SetlRow>,
    can_settle: bool,
    f: BillForm,
    insutypes: Vec<Opt>,
    institutions: Vec<Opt>,
    med_types: Vec<Opt>,
    preview: Option<Figures>,
    explanation: Vec<String>,
    error: String,
}

/// Builds the person page (and logs a view of the whole identity when shown).
async fn person_view(app: &Web, staff: &Staff, psn_no: &str, f: Option<BillForm>) -> Result<PersonPage, Response> {
    staff.require(Area::People)?;
    let s = &app.store;
    let e = |e: yibao_store::StoreError| ui::internal(Some(staff), e);
    let p =
        s.person(psn_no).await.map_err(e)?.ok_or_else(|| ui::not_found(staff, &format!("人员编号 {psn_no} 不存在")))?;
    let whole = staff.role.can(Area::WholeIdentity);
    if whole {
        let op =
            ui::audit_row(app, &staff.username, "查看个人信息", "person", psn_no, "人员页面（完整身份证号与姓名）");
        s.commit(vec![op]).await.map_err(e)?;
    }
    let year = i64::from(chrono::Datelike::year(&chrono::Local::now()));
    let enrolls = s.enrollments(psn_no).await.map_err(e)?;
    let ids = s.identities(psn_no).await.map_err(e)?;
    let dis = s.diseases(psn_no).await.map_err(e)?;
    let balance = s.account_balance(psn_no).await.map_err(e)?;
    let policy = app.gw.policy(&p.admdvs).ok();
    let mut acc = Vec::new();
    let this_year: Vec<String> = enrolls.iter().filter(|x| x.year == year).map(|x| x.insutype.clone()).collect();
    let setl_list = s
        .settlements_of(psn_no, &format!("{year}-01-01 00:00:00"), &format!("{year}-12-31 23:59:59"))
        .await
        .map_err(e)?;
    for it in &this_year {
        let (vals, _) = s.accumulators(psn_no, year, it).await.map_err(e)?;
        let dedc: i64 = setl_list.iter().filter(|x| x.insutype == *it).map(|x| x.act_pay_dedc).sum();
        acc.push(AccRow {
            item: format!("{} 起付线已付", ui::insutype_zh(it)),
            used: ui::yuan(dedc),
            cap: String::new(),
            left: String::new(),
        });
        if let Some(n) = vals.get("admissions") {
            acc.push(AccRow {
                item: "本年度住院次数".into(),
                used: n.to_string(),
                cap: String::new(),
                left: String::new(),
            });
        }
        let scheme = policy.as_ref().and_then(|pol| pol.scheme_for(it, chrono::Local::now().date_naive()));
        if let Some(sc) = scheme {
            let mut shown = std::collections::BTreeSet::new();
            for layer in &sc.layers {
                for b in &layer.benefits {
                    let slot = &sc.slots[b.paid_slot];
                    if shown.insert(slot.clone()) {
                        let used = vals.get(slot).copied().unwrap_or(0);
                        acc.push(AccRow {
                            item: format!("{}（{}）已支付", layer.name, b.name),
                            used: ui::yuan(used),
                            cap: b.cap.map(|c| ui::yuan(c.0)).unwrap_or_else(|| "不设封顶".into()),
                            left: b.cap.map(|c| ui::yuan((c.0 - used).max(0))).unwrap_or_default(),
                        });
                    }
                    if let Some(bs) = b.base_slot
                        && shown.insert(sc.slots[bs].clone())
                    {
                        let v = vals.get(&sc.slots[bs]).copied().unwrap_or(0);
                        acc.push(AccRow {
                            item: format!("{} 累计政策范围内个人负担", layer.name),
                            used: ui::yuan(v),
                            cap: String::new(),
                            left: String::new(),
                        });
                    }
                }
            }
        }
    }
    let insts = s.institutions().await.map_err(e)?;
    let inst_name =
        |c: &str| insts.iter().find(|i| i.fixmedins_code == c).map_or(c.to_string(), |i| i.fixmedins_name.clone());
    let setls = setl_list
        .iter()
        .rev()
        .filter(|x| staff.fixmedins_code.as_ref().is_none_or(|c| *c == x.fixmedins_code))
        .map(|x| SetlRow {
            psn_no: x.psn_no.clone(),
            setl_id: x.setl_id.clone(),
            time: x.setl_time.clone(),
            inst: inst_name(&x.fixmedins_code),
            insutype: ui::insutype_zh(&x.insutype),
            med_type: ui::label(kind::MED_TYPE, &x.med_type),
            medfee: ui::yuan(x.medfee_sumamt),
            fund: ui::yuan(x.fund_pay_sumamt),
            cash: ui::yuan(x.psn_cash_pay),
            state: match (x.kind.as_str(), &x.reversed_by) {
                ("reverse", _) => "撤销记录".into(),
                (_, Some(_)) => "已撤销".into(),
                _ => "正常".into(),
            },
            live: x.kind == "settle" && x.reversed_by.is_none(),
        })
        .collect();
    let f = f.unwrap_or_else(|| BillForm {
        rid: ui::new_rid(),
        psn_no: psn_no.to_string(),
        insutype: this_year.first().cloned().unwrap_or_default(),
        fixmedins_code: staff.fixmedins_code.clone().unwrap_or_default(),
        kind: "otp".into(),
        med_type: "11".into(),
        begntime: chrono::Local::now().format("%Y-%m-%dT%H:%M").to_string(),
        endtime: chrono::Local::now().format("%Y-%m-%dT%H:%M").to_string(),
        ..BillForm::default()
    });
    let dict = yibao_core::codes::Dictionaries::national();
    let insutypes = opts(this_year.iter().map(|c| (c.clone(), ui::insutype_zh(c))), &f.insutype);
    let institutions = opts(
        insts
            .iter()
            .filter(|i| staff.fixmedins_code.as_ref().is_none_or(|c| *c == i.fixmedins_code))
            .map(|i| (i.fixmedins_code.clone(), format!("{}（{}）", i.fixmedins_name, ui::hosp_lv_zh(&i.hosp_lv)))),
        &f.fixmedins_code,
    );
    let med_types = opts(dict.codes(kind::MED_TYPE).map(|(c, l)| (c.to_string(), format!("{c} {l}"))), &f.med_type);
    let show = |v: &str, masked: String| if whole { v.to_string() } else { masked };
    Ok(PersonPage {
        l: Layout::new(staff, "参保人员", "/window"),
        p: PersonView {
            psn_no: p.psn_no.clone(),
            name: show(&p.psn_name, ui::mask_name(&p.psn_name)),
            certno: show(&p.certno, ui::mask_id(&p.certno)),
            gend: ui::label(kind::GEND, &p.gend),
            brdy: p.brdy.clone(),
            admdvs: p.admdvs.clone(),
            whole,
        },
        enrollments: enrolls
            .iter()
            .map(|x| {
                [
                    x.year.to_string(),
                    ui::insutype_zh(&x.insutype),
                    ui::label(kind::PSN_TYPE, &x.psn_type),
                    if x.psn_insu_stas == "1" { "正常参保".into() } else { format!("状态 {}", x.psn_insu_stas) },
                ]
            })
            .collect(),
        identities: ids
            .iter()
            .map(|x| {
                let label = policy.as_ref().map_or(x.code.clone(), |pol| {
                    format!("{} {}", x.code, pol.dict.label_or_code("psn_idet_type", &x.code))
                });
                [label, x.begndate.clone(), x.enddate.clone().unwrap_or_else(|| "长期".into()), x.source.clone()]
            })
            .collect(),
        diseases: dis
            .iter()
            .map(|x| [x.code.clone(), x.begndate.clone(), x.enddate.clone().unwrap_or_else(|| "长期".into())])
            .collect(),
        balance: balance.map_or("无个人账户".into(), |b| format!("{} 元", ui::yuan(b))),
        acc,
        acc_year: year,
        setls,
        can_settle: staff.role.can(Area::Window),
        f,
        insutypes,
        institutions,
        med_types,
        preview: None,
        explanation: Vec::new(),
        error: String::new(),
    })
}

async fn person_page(State(app): State<App>, staff: Staff, Path(psn_no): Path<String>) -> Response {
    match person_view(&app, &staff, &psn_no, None).await {
        Ok(p) => ui::render_ok(&p),
        Err(r) => r,
    }
}

async fn preview(State(app): State<App>, staff: Staff, Form(f): Form<BillForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Window, &f.csrf) {
        return r;
    }
    if let Err(r) = staff.check_institution(&f.fixmedins_code) {
        return r;
    }
    let result = match bill::parse(&f) {
        Ok(b) => bill::preview(&app, &staff, &b).await,
        Err(m) => Err(m),
    };
    let mut page = match person_view(&app, &staff, &f.psn_no, Some(f.clone())).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match result {
        Ok(p) => {
            page.preview = Some(Figures::of(&p.setlinfo, &p.setldetail));
            page.explanation = p.explanation;
            ui::render_ok(&page)
        }
        Err(m) => {
            page.error = m;
            (StatusCode::UNPROCESSABLE_ENTITY, ui::render(&page)).into_response()
        }
    }
}

/// A form that only confirms (or gives a reason): its CSRF token and request id.
#[derive(Deserialize)]
pub struct RidForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub rid: String,
    #[serde(default)]
    pub reason: String,
}

async fn settle(State(app): State<App>, staff: Staff, Form(f): Form<RidForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Window, &f.csrf) {
        return r;
    }
    match app.store.web_request(&f.rid).await {
        Ok(Some(done)) => return Redirect::to(&done).into_response(),
        Ok(None) => {}
        Err(e) => return ui::internal(Some(&staff), e),
    }
    let (psn_no, setl_id) = match bill::settle(&app, &staff, &f.rid).await {
        Ok(x) => x,
        Err(m) => return ui::message(Some(&staff), StatusCode::UNPROCESSABLE_ENTITY, "结算未完成", &m),
    };
    let to = format!("/settlement/{psn_no}/{setl_id}");
    let ops = vec![
        Op::Web(WebOp::Request {
            request_id: f.rid.clone(),
            username: staff.username.clone(),
            action: "settle".into(),
            result: to.clone(),
        }),
        ui::audit_row(&app, &staff.username, "窗口结算", "settlement", &setl_id, &format!("人员 {psn_no}")),
    ];
    match app.store.commit(ops).await {
        Ok(()) | Err(yibao_store::StoreError::Duplicate(_)) => Redirect::to(&to).into_response(),
        Err(e) => ui::internal(Some(&staff), e),
    }
}
