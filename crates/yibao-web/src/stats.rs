//! Statistics (统计) for a period and region: fund spending by month and scheme, inpatient and outpatient, its share
//! of the year's raised fund; 实际补偿比 overall and by hospital level; people and person-times per fund tier;
//! 大病保险 payouts in bands; enrollment and coverage; top institutions by spending and by 次均费用 with their trend.
//! Every table is shown with a chart where one helps, and all of them export to one xlsx.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use yibao_store::stats_query::{Bands, EnrollRow, InstRow, LevelRow, MonthRow, StatsFilter, Sums, TierRow};

use crate::auth::{Area, Staff};
use crate::charts::{self, Series};
use crate::export::{self, Sheet, X};
use crate::ui::{self, Layout};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new().route("/stats", get(page)).route("/stats.xlsx", get(xlsx))
}

/// Everything the statistics page, its export and the bulletin show.
pub struct StatsData {
    pub f: StatsFilter,
    pub year: i64,
    pub months: Vec<MonthRow>,
    pub total: Sums,
    pub ipt: Sums,
    pub otp: Sums,
    pub by_scheme: Vec<(String, Sums, i64)>,
    pub raised: i64,
    pub levels: Vec<LevelRow>,
    pub tiers: Vec<TierRow>,
    pub bands: Bands,
    pub hifmi: Sums,
    pub enroll: Vec<EnrollRow>,
    pub registered: Option<i64>,
    pub top_fund: Vec<InstRow>,
    pub top_avg: Vec<InstRow>,
    pub trend: Vec<(String, String, Sums)>,
}

pub async fn compute(app: &Web, f: &StatsFilter) -> yibao_store::Result<StatsData> {
    let s = &app.store;
    let year: i64 = f.to.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let months = s.stats_by_month(f).await?;
    let (mut total, mut ipt, mut otp) = (Sums::default(), Sums::default(), Sums::default());
    let mut by: std::collections::BTreeMap<String, Sums> = Default::default();
    for m in &months {
        total += m.sums;
        if m.ipt {
            ipt += m.sums
        } else {
            otp += m.sums
        }
        *by.entry(m.insutype.clone()).or_default() += m.sums;
    }
    let mut by_scheme = Vec::new();
    for (it, sums) in by {
        let raised = s.raised_fund(&f.admdvs, year, Some(&it)).await?;
        by_scheme.push((it, sums, raised));
    }
    let top_fund = s.stats_top_institutions(f, false, 10).await?;
    let codes: Vec<String> = top_fund.iter().take(5).map(|i| i.code.clone()).collect();
    Ok(StatsData {
        year,
        months,
        total,
        ipt,
        otp,
        by_scheme,
        raised: s.raised_fund(&f.admdvs, year, None).await?,
        levels: s.stats_by_level(f).await?,
        tiers: s.stats_tiers(f).await?,
        bands: s.stats_bands(f).await?,
        hifmi: s.stats_hifmi_summary(f).await?,
        enroll: s.stats_enrollment(year, &f.admdvs).await?,
        registered: s.registered_population(&f.admdvs, year).await?,
        top_avg: s.stats_top_institutions(f, true, 10).await?,
        trend: s.stats_institution_trend(f, &codes).await?,
        top_fund,
        f: f.clone(),
    })
}

/// A value in a statistics table.
pub enum V {
    T(String),
    N(i64),
    Fen(i64),
    /// num ÷ den as a percentage.
    Pct(i64, i64),
}

impl V {
    fn text(&self) -> String {
        match self {
            V::T(t) => t.clone(),
            V::N(n) => n.to_string(),
            V::Fen(f) => ui::yuan(*f),
            V::Pct(a, b) => ui::pct(*a, *b),
        }
    }
    fn x(&self) -> X {
        match self {
            V::T(t) => X::T(t.clone()),
            V::N(n) => X::N(*n),
            V::Fen(f) => X::Fen(*f),
            V::Pct(a, b) if *b > 0 => {
                X::Pct(yibao_core::money::round_div(i128::from(*a) * 10_000, i128::from(*b)) as i64)
            }
            V::Pct(..) => X::T("—".into()),
        }
    }
    fn num(&self) -> bool {
        !matches!(self, V::T(_))
    }
}

pub struct Table {
    pub id: &'static str,
    pub title: String,
    pub chart: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<V>>,
}

pub const TIER_NAMES: &[(&str, &str)] = &[
    ("any", "全部结算（任一基金）"),
    ("hifp", "基本医疗保险统筹基金"),
    ("hifmi", "城乡居民大病保险"),
    ("hifob", "职工大额医疗费用补助"),
    ("cvlserv", "公务员医疗补助"),
    ("maf", "医疗救助"),
];

pub const BAND_NAMES: [&str; 4] = ["1万元以下", "1–3万元", "3–5万元", "5万元以上"];

fn w(f: i64) -> String {
    format!("{}万", ui::wan(f))
}

fn sums_row(s: &Sums) -> Vec<V> {
    vec![
        V::N(s.n),
        V::Fen(s.medfee),
        V::Fen(s.hifp),
        V::Fen(s.hifmi),
        V::Fen(s.hifob),
        V::Fen(s.cvlserv),
        V::Fen(s.maf),
        V::Fen(s.fund),
        V::Pct(s.fund, s.medfee),
    ]
}

const SUM_HEADERS: [&str; 9] =
    ["人次", "医疗费总额", "统筹基金", "大病保险", "职工大额", "公务员补助", "医疗救助", "基金支付合计", "实际补偿比"];

fn inst_table(id: &'static str, title: &str, list: &[InstRow], chart: String) -> Table {
    let mut headers = vec!["排名", "机构", "等级"];
    headers.extend(["人次", "医疗费总额", "基金支付合计", "次均费用", "实际补偿比"]);
    Table {
        id,
        title: title.into(),
        chart,
        headers,
        rows: list
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    V::N(i as i64 + 1),
                    V::T(format!("{}（{}）", r.name, r.code)),
                    V::T(ui::hosp_lv_zh(&r.hosp_lv).into()),
                    V::N(r.sums.n),
                    V::Fen(r.sums.medfee),
                    V::Fen(r.sums.fund),
                    V::Fen(if r.sums.n > 0 {
                        yibao_core::money::round_div(i128::from(r.sums.medfee), i128::from(r.sums.n)) as i64
                    } else {
                        0
                    }),
                    V::Pct(r.sums.fund, r.sums.medfee),
                ]
            })
            .collect(),
    }
}

/// The tables (with charts) of the statistics page, in order.
pub fn tables(d: &StatsData) -> Vec<Table> {
    let mut out = Vec::new();
    out.push(Table {
        id: "overview",
        title: "基金支出概况".into(),
        chart: String::new(),
        headers: vec!["项目", "金额或比例"],
        rows: vec![
            vec![V::T("基金支出合计".into()), V::Fen(d.total.fund)],
            vec![V::T(format!("{} 年全年筹资总额", d.year)), V::Fen(d.raised)],
            vec![V::T("占全年筹资总额".into()), V::Pct(d.total.fund, d.raised)],
            vec![V::T("其中住院支出".into()), V::Fen(d.ipt.fund)],
            vec![V::T("其中门诊支出".into()), V::Fen(d.otp.fund)],
            vec![V::T("医疗费总额".into()), V::Fen(d.total.medfee)],
            vec![V::T("综合实际补偿比（基金支付÷医疗费总额）".into()), V::Pct(d.total.fund, d.total.medfee)],
            vec![V::T("结算人次".into()), V::N(d.total.n)],
        ],
    });
    let mut yms: Vec<String> = d.months.iter().map(|m| m.ym.clone()).collect();
    yms.dedup();
    let per_month = |ipt: bool| {
        yms.iter()
            .map(|ym| d.months.iter().filter(|m| m.ym == *ym && m.ipt == ipt).map(|m| m.sums.fund).sum())
            .collect()
    };
    let chart = charts::bars(
        "按月基金支出",
        &yms,
        &[
            Series { name: "住院".into(), values: per_month(true) },
            Series { name: "门诊".into(), values: per_month(false) },
        ],
        &w,
    );
    let mut headers = vec!["月份", "险种", "类别"];
    headers.extend(SUM_HEADERS);
    out.push(Table {
        id: "months",
        title: "按月份、险种的基金支出（住院/门诊）".into(),
        chart,
        headers,
        rows: d
            .months
            .iter()
            .map(|m| {
                let mut r = vec![
                    V::T(m.ym.clone()),
                    V::T(ui::insutype_zh(&m.insutype)),
                    V::T(if m.ipt { "住院" } else { "门诊" }.into()),
                ];
                r.extend(sums_row(&m.sums));
                r
            })
            .collect(),
    });
    let mut headers = vec!["险种"];
    headers.extend(SUM_HEADERS);
    headers.extend(["全年筹资总额", "占筹资比例"]);
    out.push(Table {
        id: "schemes",
        title: "按险种".into(),
        chart: String::new(),
        headers,
        rows: d
            .by_scheme
            .iter()
            .map(|(it, s, raised)| {
                let mut r = vec![V::T(ui::insutype_zh(it))];
                r.extend(sums_row(s));
                r.extend([V::Fen(*raised), V::Pct(s.fund, *raised)]);
                r
            })
            .collect(),
    });
    let lv_labels: Vec<String> = d.levels.iter().map(|l| ui::hosp_lv_zh(&l.hosp_lv).to_string()).collect();
    let ratio = |a: i64, b: i64| if b > 0 { (i128::from(a) * 10_000 / i128::from(b)) as i64 } else { 0 };
    let chart = charts::bars(
        "实际补偿比（按医院等级）",
        &lv_labels,
        &[Series {
            name: "实际补偿比".into(),
            values: d.levels.iter().map(|l| ratio(l.sums.fund, l.sums.medfee)).collect(),
        }],
        &|v| format!("{}%", v / 100),
    );
    let mut headers = vec!["医院等级"];
    headers.extend(SUM_HEADERS);
    headers.extend(["政策范围内费用", "统筹基金÷政策范围内"]);
    out.push(Table {
        id: "levels",
        title: "实际补偿比（按医院等级）".into(),
        chart,
        headers,
        rows: d
            .levels
            .iter()
            .map(|l| {
                let mut r = vec![V::T(ui::hosp_lv_zh(&l.hosp_lv).into())];
                r.extend(sums_row(&l.sums));
                r.extend([V::Fen(l.sums.inscp), V::Pct(l.sums.hifp, l.sums.inscp)]);
                r
            })
            .collect(),
    });
    out.push(Table {
        id: "tiers",
        title: "受益人数与人次（按基金层级；一站式/手工）".into(),
        chart: String::new(),
        headers: vec!["基金层级", "受益人数", "受益人次", "支付金额", "一站式人次", "手工报销人次"],
        rows: d
            .tiers
            .iter()
            .map(|t| {
                let name = TIER_NAMES.iter().find(|(k, _)| *k == t.tier).map_or(t.tier.as_str(), |(_, n)| n);
                vec![V::T(name.into()), V::N(t.people), V::N(t.times), V::Fen(t.amount), V::N(t.times), V::N(0)]
            })
            .collect(),
    });
    let band_labels: Vec<String> = BAND_NAMES.iter().map(|s| s.to_string()).collect();
    let chart = charts::bars(
        "大病保险补偿分段（人次）",
        &band_labels,
        &[Series { name: "人次".into(), values: d.bands.n.to_vec() }],
        &|v| v.to_string(),
    );
    let mut rows: Vec<Vec<V>> =
        (0..4).map(|i| vec![V::T(BAND_NAMES[i].into()), V::N(d.bands.n[i]), V::Fen(d.bands.amount[i])]).collect();
    rows.push(vec![
        V::T("万元以上合计".into()),
        V::N(d.bands.n[1..].iter().sum()),
        V::Fen(d.bands.amount[1..].iter().sum()),
    ]);
    out.push(Table {
        id: "bands",
        title: "大病保险补偿分段（每笔结算的大病保险支付额）".into(),
        chart,
        headers: vec!["分段", "人次", "大病保险支付"],
        rows,
    });
    let h = &d.hifmi;
    out.push(Table {
        id: "hifmi",
        title: "大病保险补偿概况".into(),
        chart: String::new(),
        headers: vec![
            "补偿人次",
            "医疗总费用",
            "基本医疗实际补偿",
            "基本医疗实际补偿比",
            "大病保险实际补偿",
            "大病保险实际补偿比",
        ],
        rows: vec![vec![
            V::N(h.n),
            V::Fen(h.medfee),
            V::Fen(h.hifp),
            V::Pct(h.hifp, h.medfee),
            V::Fen(h.hifmi),
            V::Pct(h.hifmi, h.medfee),
        ]],
    });
    let mut rows: Vec<Vec<V>> = d
        .enroll
        .iter()
        .map(|e| {
            vec![
                V::T(ui::insutype_zh(&e.insutype)),
                V::N(e.this_year),
                V::N(e.last_year),
                V::N(e.this_year - e.last_year),
            ]
        })
        .collect();
    let insured: i64 =
        d.enroll.iter().filter(|e| matches!(e.insutype.as_str(), "310" | "390")).map(|e| e.this_year).sum();
    let insured_last: i64 =
        d.enroll.iter().filter(|e| matches!(e.insutype.as_str(), "310" | "390")).map(|e| e.last_year).sum();
    rows.push(vec![
        V::T("基本医疗保险合计（职工+居民）".into()),
        V::N(insured),
        V::N(insured_last),
        V::N(insured - insured_last),
    ]);
    if let Some(reg) = d.registered {
        rows.push(vec![V::T("户籍人口".into()), V::N(reg), V::T(String::new()), V::T(String::new())]);
        rows.push(vec![
            V::T("参保率（参保人数÷户籍人口）".into()),
            V::Pct(insured, reg),
            V::T(String::new()),
            V::T(String::new()),
        ]);
    }
    out.push(Table {
        id: "enrollment",
        title: format!("{} 年度参保情况（与上年比较）", d.year),
        chart: String::new(),
        headers: vec!["险种", "本年参保人数", "上年参保人数", "增减"],
        rows,
    });
    let trend_series: Vec<Series> = d
        .top_fund
        .iter()
        .take(5)
        .map(|i| Series {
            name: i.name.clone(),
            values: yms
                .iter()
                .map(|ym| d.trend.iter().filter(|(c, m, _)| *c == i.code && m == ym).map(|(_, _, s)| s.fund).sum())
                .collect(),
        })
        .collect();
    let chart = charts::lines("基金支出前五位机构的月度趋势", &yms, &trend_series, &w);
    out.push(inst_table("top_fund", "定点机构排名（按基金支出）", &d.top_fund, chart));
    out.push(inst_table("top_avg", "定点机构排名（按次均费用）", &d.top_avg, String::new()));
    out
}

pub struct Shown {
    pub id: &'static str,
    pub title: String,
    pub chart: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<(String, bool)>>,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct Page {
    l: Layout,
    from: String,
    to: String,
    admdvs: String,
    regions: Vec<(String, String)>,
    export: String,
    tables: Vec<Shown>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    pub from: String,
    pub to: String,
    pub admdvs: String,
}

/// The period asked for (default: this year to date), checked.
pub fn filter(q: &PeriodQuery) -> Result<StatsFilter, String> {
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let from = if q.from.is_empty() { format!("{}-01-01", &today[..4]) } else { q.from.clone() };
    let to = if q.to.is_empty() { today } else { q.to.clone() };
    for (d, what) in [(&from, "开始日期"), (&to, "结束日期")] {
        if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            return Err(format!("{what}“{d}”无效（应为 年-月-日）"));
        }
    }
    if to < from {
        return Err(format!("结束日期 {to} 早于开始日期 {from}"));
    }
    Ok(StatsFilter { from, to, admdvs: q.admdvs.clone() })
}

pub async fn regions(app: &Web) -> Vec<(String, String)> {
    let mut v: Vec<String> = app.store.institutions().await.unwrap_or_default().into_iter().map(|i| i.admdvs).collect();
    v.sort();
    v.dedup();
    v.into_iter()
        .map(|a| {
            let name = app.gw.policy(&a).map(|p| p.region_name.clone()).unwrap_or_default();
            (a.clone(), format!("{a} {name}"))
        })
        .collect()
}

/// Checks the role and the period, then computes the figures; or the page that refuses.
pub async fn load(app: &Web, staff: &Staff, area: Area, q: &PeriodQuery) -> Result<StatsData, Response> {
    staff.require(area)?;
    let f = filter(q).map_err(|m| ui::bad(staff, &m))?;
    compute(app, &f).await.map_err(|e| ui::internal(Some(staff), e))
}

async fn page(State(app): State<App>, staff: Staff, Query(q): Query<PeriodQuery>) -> Response {
    let d = match load(&app, &staff, Area::Statistics, &q).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let f = d.f.clone();
    let shown = tables(&d)
        .into_iter()
        .map(|t| Shown {
            id: t.id,
            title: t.title,
            chart: t.chart,
            headers: t.headers,
            rows: t.rows.iter().map(|r| r.iter().map(|v| (v.text(), v.num())).collect()).collect(),
        })
        .collect();
    let qs = ui::query_string(&[("from", &f.from), ("to", &f.to), ("admdvs", &f.admdvs)]);
    ui::render_ok(&Page {
        l: Layout::new(&staff, "统计分析", "/stats"),
        regions: regions(&app).await,
        export: format!("/stats.xlsx?{qs}"),
        from: f.from,
        to: f.to,
        admdvs: f.admdvs,
        tables: shown,
    })
}

async fn xlsx(State(app): State<App>, staff: Staff, Query(q): Query<PeriodQuery>) -> Response {
    let d = match load(&app, &staff, Area::Statistics, &q).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let f = d.f.clone();
    let sheets: Vec<Sheet> = tables(&d)
        .iter()
        .map(|t| Sheet {
            name: t.id.to_string(),
            title: format!(
                "{}（{} 至 {}{}）",
                t.title,
                f.from,
                f.to,
                if f.admdvs.is_empty() { String::new() } else { format!("，统筹区 {}", f.admdvs) }
            ),
            headers: t.headers.iter().map(|h| h.to_string()).collect(),
            rows: t.rows.iter().map(|r| r.iter().map(V::x).collect()).collect(),
        })
        .collect();
    let detail = format!("{} 至 {} {}", f.from, f.to, f.admdvs);
    export::logged_xlsx(
        &app,
        &staff,
        ("导出统计", "stats", &detail),
        &sheets,
        &format!("统计_{}_{}.xlsx", f.from, f.to),
    )
    .await
}

/// Keeps the statistics rollups up to date in the background, so that a statistics page only has the last few
/// seconds' settlements to catch up on when it is read.
pub fn refresh_every(store: yibao_store::Store, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let t = std::time::Instant::now();
            match store.stats_refresh().await {
                Ok(_) => tracing::debug!(seconds = t.elapsed().as_secs_f64(), "statistics rollups refreshed"),
                Err(e) => tracing::warn!(error = %e, "statistics rollups not refreshed; retried at the next tick"),
            }
        }
    });
}
