//! Institutions' payable for a period: what each settled (fund and personal account), the money findings hold back
//! (剔除待查), confirmed or recovered, and what is left to pay — with the formula shown on the page.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{check_period, inst_name, institutions, period};
use crate::App;
use crate::auth::{Area, Staff};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout};

pub fn routes() -> Router<App> {
    Router::new().route("/supervision/payable", get(payable))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PayableQuery {
    from: String,
    to: String,
    inst: String,
}

const HEADERS: [&str; 10] = [
    "定点机构",
    "基金支付（元）",
    "个人账户（元）",
    "结算应付合计（元）",
    "待查暂扣（元）",
    "确认违规（元）",
    "已追回（元）",
    "已排除（元）",
    "疑点数（待查/确认/追回/排除）",
    "本期应付（元）",
];

async fn payable(State(app): State<App>, staff: Staff, Query(q): Query<PayableQuery>) -> Response {
    if let Err(r) = staff.require(Area::FindingReview) {
        return r;
    }
    let (from, to) = period(q.from.trim(), q.to.trim());
    if let Err(r) = check_period(&staff, &from, &to) {
        return r;
    }
    let list = match app.store.payable(&from, &to, &q.inst).await {
        Ok(l) => l,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let insts = institutions(&app).await;
    let mut t = TablePage::new(
        Layout::new(&staff, "机构应付与暂扣金额", "/supervision/findings"),
        "/supervision/payable",
        &HEADERS,
    );
    t.filters = vec![
        Field::date("from", "结算日期自", &from),
        Field::date("to", "至", &to),
        Field::select("inst", "定点机构", &q.inst, insts.clone()),
    ];
    t.before = "<p class=\"hint\">本期应付 = 结算应付合计（基金支付总额 fund_pay_sumamt + 个人账户支付 acct_pay，按结算时间计，\
撤销冲减）− 待查暂扣 − 确认违规 − 已追回；疑点按违规发生日期计入期间，已排除的疑点照常支付。</p>"
        .into();
    let mut sum = [0i64; 8];
    for p in &list {
        let v = [p.fund, p.acct, p.settled, p.held, p.confirmed, p.recovered, p.cleared, p.payable];
        for (s, x) in sum.iter_mut().zip(v) {
            *s += x;
        }
        let mut row = vec![Cell::link(
            inst_name(&insts, &p.fixmedins_code),
            format!(
                "/supervision/findings?{}",
                ui::query_string(&[("inst", &p.fixmedins_code), ("from", &from), ("to", &to)])
            ),
        )];
        row.extend(v[..7].iter().map(|x| Cell::n(ui::yuan(*x))));
        row.push(Cell::n(format!("{}/{}/{}/{}", p.counts[0], p.counts[1], p.counts[2], p.counts[3])));
        row.push(Cell::n(ui::yuan(p.payable)));
        t.rows.push(row);
    }
    if list.len() > 1 {
        let mut row = vec![Cell::t("合计")];
        row.extend(sum[..7].iter().map(|x| Cell::n(ui::yuan(*x))));
        row.push(Cell::n(""));
        row.push(Cell::n(ui::yuan(sum[7])));
        t.rows.push(row);
    }
    ui::render_ok(&t)
}
