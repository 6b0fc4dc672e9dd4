//! `yibao loadtest`: drives a running gateway with whole outpatient and inpatient flows for a synthetic county,
//! checks every answer, and reports throughput and latency percentiles per transaction.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use std::fmt::Write as _;
use std::sync::atomic::AtomicU32;

use serde::Deserialize;
use tokio::sync::Mutex;
use yibao_core::Fen;
use yibao_store::InstitutionRow;

use crate::his::{CallError, His, reply};

#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub url: String,
    pub duration: Duration,
    pub concurrency: usize,
    /// Share of flows that are inpatient stays (per mille).
    pub inpatient_permille: u32,
    /// Share of settlements reversed again (per mille).
    pub reverse_permille: u32,
    /// Fee lines per outpatient visit (min, max).
    pub lines: (usize, usize),
    /// Keep going when the server is unreachable (crash tests): such flows count as interrupted, not failed.
    pub tolerate_outage: bool,
    /// Append every acknowledged settlement ("setl_id psn_no" per line) here.
    pub acked_file: Option<std::path::PathBuf>,
    pub seed: u64,
}

/// Who the load generator plays.
pub struct Cast {
    pub institutions: Vec<InstitutionRow>,
    /// (psn_no, certno, insutype).
    pub people: Vec<(String, String, String)>,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub flows: u64,
    pub settlements: u64,
    pub reversals: u64,
    pub calls: u64,
    pub failures: u64,
    pub interrupted: u64,
    pub first_failures: Vec<String>,
    pub elapsed: Duration,
    /// Latencies in microseconds by infno.
    pub latencies: BTreeMap<String, Vec<u32>>,
}

impl LoadReport {
    pub fn percentile(v: &[u32], p: f64) -> u32 {
        if v.is_empty() {
            return 0;
        }
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i.min(v.len() - 1)]
    }

    /// A table for the terminal and the issue notes.
    pub fn render(&mut self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut s = format!(
            "持续 {:.1} s：完整流程 {} 个（{:.0}/s），结算 {} 笔（{:.0}/s），撤销 {} 笔，接口调用 {} 次（{:.0}/s），失败 {}，中断 {}\n",
            secs,
            self.flows,
            self.flows as f64 / secs,
            self.settlements,
            self.settlements as f64 / secs,
            self.reversals,
            self.calls,
            self.calls as f64 / secs,
            self.failures,
            self.interrupted
        );
        s.push_str("infno      calls    p50 ms   p90 ms   p99 ms   max ms\n");
        let mut all: Vec<u32> = Vec::new();
        for (k, v) in &mut self.latencies {
            v.sort_unstable();
            all.extend_from_slice(v);
            s.push_str(&format!(
                "{k:<8} {:>7} {:>9.2} {:>8.2} {:>8.2} {:>8.2}\n",
                v.len(),
                Self::percentile(v, 0.50) as f64 / 1000.0,
                Self::percentile(v, 0.90) as f64 / 1000.0,
                Self::percentile(v, 0.99) as f64 / 1000.0,
                v.last().copied().unwrap_or(0) as f64 / 1000.0
            ));
        }
        all.sort_unstable();
        s.push_str(&format!(
            "{:<8} {:>7} {:>9.2} {:>8.2} {:>8.2} {:>8.2}\n",
            "all",
            all.len(),
            Self::percentile(&all, 0.50) as f64 / 1000.0,
            Self::percentile(&all, 0.90) as f64 / 1000.0,
            Self::percentile(&all, 0.99) as f64 / 1000.0,
            all.last().copied().unwrap_or(0) as f64 / 1000.0
        ));
        for f in &self.first_failures {
            s.push_str(&format!("失败示例：{f}\n"));
        }
        s
    }
}

/// Outpatient catalogue lines of the demo county: (code, price, max count).
const OTP_ITEMS: &[(&str, &str, u32)] = &[
    ("001101000010000", "10", 1),
    ("XJ01CAA040E001010101446", "1.25", 48),
    ("XA10BAD073A001010102853", "0.5", 60),
    ("XC08CAA059A001010101457", "0.8", 60),
    ("XC10AAA093A001010104036", "2.5", 30),
    ("ZA12BAA0123010100789", "0.3", 90),
    ("002501010010000", "20", 1),
    ("XA11JAA001A001010100001", "45", 1),
    ("C0301010030000003456", "2.5", 3),
    ("XB05BBA026B002010100447", "3", 4),
];

/// Inpatient lines: (code, price, max count).
const IPT_ITEMS: &[(&str, &str, u32)] = &[
    ("001102000010000", "20", 12),
    ("XJ01DDA100B002010101953", "12.5", 30),
    ("XB05BBA026B002010100447", "3", 40),
    ("002501010010000", "20", 4),
    ("001201000020000", "15", 12),
    ("XC10AAA093A001010104036", "2.5", 30),
];

struct Worker {
    his: His,
    cast: Arc<Cast>,
    serials: Arc<Vec<AtomicU32>>,
    spec: Arc<LoadSpec>,
    rng: fastrand::Rng,
    rep: LoadReport,
    acked: Option<Arc<Mutex<std::fs::File>>>,
}

enum FlowError {
    Refused(String),
    Down(String),
}

#[derive(Deserialize)]
struct MdtrtId<'a> {
    #[serde(borrow)]
    mdtrt_id: std::borrow::Cow<'a, str>,
}
#[derive(Deserialize)]
struct Registered<'a> {
    #[serde(borrow)]
    data: MdtrtId<'a>,
}
#[derive(Deserialize)]
struct Admitted<'a> {
    #[serde(borrow)]
    result: MdtrtId<'a>,
}
/// The setlinfo figures a flow checks.
#[derive(Deserialize)]
struct SetlFigures {
    setl_id: String,
    medfee_sumamt: Fen,
    fund_pay_sumamt: Fen,
    psn_part_amt: Fen,
    hosp_part_amt: Fen,
    acct_pay: Fen,
    psn_cash_pay: Fen,
}
#[derive(Deserialize)]
struct Settled {
    setlinfo: SetlFigures,
}

impl Worker {
    /// One call; returns the answer's body when it succeeded (infcode 0).
    async fn call(&mut self, inst: usize, infno: &str, input: &str) -> Result<bytes::Bytes, FlowError> {
        let serial = self.serials[inst].fetch_add(1, Ordering::Relaxed);
        let t = Instant::now();
        let r = self.his.call(&self.cast.institutions[inst], serial, infno, input).await;
        let us = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
        self.rep.calls += 1;
        let body = match r {
            Err(CallError::Down(e)) => return Err(FlowError::Down(format!("{infno}: {e}"))),
            Err(CallError::Garbled(e)) => return Err(FlowError::Refused(format!("{infno}: {e}"))),
            Ok(b) => b,
        };
        let a = reply(&body).map_err(|e| FlowError::Refused(format!("{infno}: {e:?}")))?;
        if a.infcode != 0 {
            return Err(FlowError::Refused(format!("{infno}: {}", a.err_msg)));
        }
        self.rep.latencies.entry(infno.to_string()).or_default().push(us);
        Ok(body)
    }

    /// `n` lines of a visit as the `feedetail` JSON array, and their total.
    fn lines(&mut self, items: &[(&str, &str, u32)], n: usize, psn: &str, mdtrt_id: &str) -> (String, Fen) {
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let mut total = Fen::ZERO;
        let mut out = String::with_capacity(n * 330);
        out.push('[');
        for i in 0..n {
            let (code, price, max) = items[self.rng.usize(0..items.len())];
            let cnt = self.rng.u32(1..=max);
            let amount = yibao_core::money::line_amount(
                price.parse().unwrap_or_default(),
                yibao_core::Qty(i64::from(cnt) * 10_000),
            );
            total += amount;
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                r#"{{"feedetl_sn":"L{i}","mdtrt_id":"{mdtrt_id}","psn_no":"{psn}","chrg_bchno":"1","fee_ocur_time":"{now}","med_list_codg":"{code}","medins_list_codg":"{code}","det_item_fee_sumamt":{amount},"cnt":{cnt},"pric":{price},"bilg_dept_codg":"A01","bilg_dept_name":"内科","bilg_dr_codg":"D1","bilg_dr_name":"医生"}}"#
            );
        }
        out.push(']');
        (out, total)
    }

    async fn record(&mut self, setl_id: &str, psn: &str) {
        if let Some(f) = &self.acked {
            let mut f = f.lock().await;
            let _ = writeln!(f, "{setl_id} {psn}");
        }
    }

    /// 1101 → 2201 → 2203 → 2204 → 2206 → 2207 [→ 2208].
    async fn outpatient(&mut self, c: usize, psn: &str, certno: &str, insutype: &str) -> Result<(), FlowError> {
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        self.call(c, "1101", &format!(r#"{{"data":{{"mdtrt_cert_type":"02","mdtrt_cert_no":"{certno}"}}}}"#)).await?;
        let otp_no = format!("MZ{}", self.rng.u64(..));
        let body = self
            .call(
                c,
                "2201",
                &format!(
                    r#"{{"data":{{"psn_no":"{psn}","insutype":"{insutype}","begntime":"{now}","mdtrt_cert_type":"02","mdtrt_cert_no":"{certno}","ipt_otp_no":"{otp_no}","atddr_no":"D1","dr_name":"医生","dept_code":"A01","dept_name":"内科","caty":"A03"}}}}"#
                ),
            )
            .await?;
        let mdtrt_id = output::<Registered>(&body)?.data.mdtrt_id.into_owned();
        self.call(
            c,
            "2203",
            &format!(
                r#"{{"mdtrtinfo":{{"mdtrt_id":"{mdtrt_id}","psn_no":"{psn}","med_type":"11","begntime":"{now}"}},"diseinfo":[{{"diag_type":"1","diag_srt_no":"1","diag_code":"J06.9","diag_name":"急性上呼吸道感染"}}]}}"#
            ),
        )
        .await?;
        let n = self.rng.usize(self.spec.lines.0..=self.spec.lines.1);
        let (lines, total) = self.lines(OTP_ITEMS, n, psn, &mdtrt_id);
        self.call(c, "2204", &format!(r#"{{"feedetail":{lines}}}"#)).await?;
        let acct = if insutype == "310" { "1" } else { "0" };
        let data = format!(
            r#"{{"data":{{"psn_no":"{psn}","mdtrt_cert_type":"02","mdtrt_cert_no":"{certno}","med_type":"11","medfee_sumamt":{total},"psn_setlway":"01","mdtrt_id":"{mdtrt_id}","chrg_bchno":"1","insutype":"{insutype}","acct_used_flag":"{acct}"}}}}"#
        );
        // 2206 is part of the flow; its figures may differ from 2207's when another flow settled the same person
        // in between, so only 2207 is checked.
        self.call(c, "2206", &data).await?;
        let body = self.call(c, "2207", &data).await?;
        let setl_id = check_setl(&body, total)?;
        self.rep.settlements += 1;
        self.record(&setl_id, psn).await;
        if self.rng.u32(0..1000) < self.spec.reverse_permille {
            let input = format!(r#"{{"data":{{"psn_no":"{psn}","setl_id":"{setl_id}","mdtrt_id":"{mdtrt_id}"}}}}"#);
            self.call(c, "2208", &input).await?;
            self.rep.reversals += 1;
        }
        Ok(())
    }

    /// 2401 → 2301 → 2402 → 2303 → 2304 [→ 2305].
    async fn inpatient(&mut self, c: usize, psn: &str, certno: &str, insutype: &str) -> Result<(), FlowError> {
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let ipt_no = format!("ZY{}", self.rng.u64(..));
        let body = self
            .call(
                c,
                "2401",
                &format!(
                    r#"{{"mdtrtinfo":{{"psn_no":"{psn}","insutype":"{insutype}","begntime":"{now}","mdtrt_cert_type":"02","mdtrt_cert_no":"{certno}","med_type":"21","ipt_no":"{ipt_no}","atddr_no":"D1","chfpdr_name":"医生","adm_diag_dscr":"肺炎","adm_dept_codg":"A03","adm_dept_name":"呼吸内科","adm_bed":"1","dscg_maindiag_code":"J18.9","dscg_maindiag_name":"肺炎"}},"diseinfo":[{{"diag_type":"1","maindiag_flag":"1","diag_srt_no":"1","diag_code":"J18.9","diag_name":"肺炎"}}]}}"#
                ),
            )
            .await?;
        let mdtrt_id = output::<Admitted>(&body)?.result.mdtrt_id.into_owned();
        let n = self.rng.usize(10..=40);
        let (lines, total) = self.lines(IPT_ITEMS, n, psn, &mdtrt_id);
        self.call(c, "2301", &format!(r#"{{"feedetail":{lines}}}"#)).await?;
        let end = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        self.call(
            c,
            "2402",
            &format!(
                r#"{{"dscginfo":{{"psn_no":"{psn}","mdtrt_id":"{mdtrt_id}","insutype":"{insutype}","endtime":"{end}","dscg_way":"1"}}}}"#
            ),
        )
        .await?;
        let data = format!(
            r#"{{"data":{{"psn_no":"{psn}","mdtrt_cert_type":"02","mdtrt_cert_no":"{certno}","medfee_sumamt":{total},"psn_setlway":"01","mdtrt_id":"{mdtrt_id}","insutype":"{insutype}","acct_used_flag":"0","mid_setl_flag":"0"}}}}"#
        );
        self.call(c, "2303", &data).await?;
        let body = self.call(c, "2304", &data).await?;
        let setl_id = check_setl(&body, total)?;
        self.rep.settlements += 1;
        self.record(&setl_id, psn).await;
        if self.rng.u32(0..1000) < self.spec.reverse_permille {
            let input = format!(r#"{{"data":{{"psn_no":"{psn}","setl_id":"{setl_id}","mdtrt_id":"{mdtrt_id}"}}}}"#);
            self.call(c, "2305", &input).await?;
            self.rep.reversals += 1;
        }
        Ok(())
    }

    async fn run(mut self, deadline: Instant, stop: Arc<AtomicBool>) -> LoadReport {
        while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
            let c = self.rng.usize(0..self.cast.institutions.len());
            let cast = self.cast.clone();
            let (psn, certno, insutype) = &cast.people[self.rng.usize(0..cast.people.len())];
            let inpatient = self.rng.u32(0..1000) < self.spec.inpatient_permille;
            let r = if inpatient {
                self.inpatient(c, psn, certno, insutype).await
            } else {
                self.outpatient(c, psn, certno, insutype).await
            };
            match r {
                Ok(()) => self.rep.flows += 1,
                Err(FlowError::Down(e)) if self.spec.tolerate_outage => {
                    self.rep.interrupted += 1;
                    if self.rep.first_failures.len() < 3 && self.rep.interrupted < 3 {
                        self.rep.first_failures.push(format!("(中断) {e}"));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(FlowError::Down(e) | FlowError::Refused(e)) => {
                    self.rep.failures += 1;
                    if self.rep.first_failures.len() < 5 {
                        self.rep.first_failures.push(e);
                    }
                }
            }
        }
        self.rep
    }
}

/// The `output` node of a successful answer, read as `T`.
fn output<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, FlowError> {
    let a = reply(body).map_err(|e| FlowError::Refused(format!("{e:?}")))?;
    serde_json::from_str(a.output.get()).map_err(|e| FlowError::Refused(format!("应答 output 无法读取：{e}")))
}

/// The identities every settlement answer must satisfy; returns the setl_id.
fn check_setl(body: &[u8], total: Fen) -> Result<String, FlowError> {
    let si = output::<Settled>(body)?.setlinfo;
    let fail = |m: String| Err(FlowError::Refused(m));
    if si.medfee_sumamt != total {
        return fail(format!("medfee_sumamt {} ≠ 明细合计 {total}", si.medfee_sumamt));
    }
    if si.medfee_sumamt != si.fund_pay_sumamt + si.psn_part_amt + si.hosp_part_amt {
        return fail("医疗费总额 ≠ 基金 + 个人 + 医院".to_string());
    }
    if si.psn_part_amt != si.acct_pay + si.psn_cash_pay {
        return fail("个人负担 ≠ 账户 + 现金".to_string());
    }
    Ok(si.setl_id)
}

/// Runs the load and merges the workers' reports.
pub async fn run(spec: LoadSpec, cast: Cast) -> LoadReport {
    let acked = spec.acked_file.as_ref().map(|p| {
        Arc::new(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(p).expect("acked file opens")))
    });
    let serials = Arc::new((0..cast.institutions.len()).map(|_| AtomicU32::new(0)).collect::<Vec<_>>());
    let cast = Arc::new(cast);
    let spec = Arc::new(spec);
    let start = Instant::now();
    let deadline = start + spec.duration;
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    for w in 0..spec.concurrency {
        let worker = Worker {
            his: His::new(&spec.url, w as u64),
            cast: cast.clone(),
            serials: serials.clone(),
            spec: spec.clone(),
            rng: fastrand::Rng::with_seed(spec.seed.wrapping_mul(1_000_003).wrapping_add(w as u64)),
            rep: LoadReport::default(),
            acked: acked.clone(),
        };
        set.spawn(worker.run(deadline, stop.clone()));
    }
    let mut total = LoadReport::default();
    while let Some(r) = set.join_next().await {
        let Ok(r) = r else { continue };
        total.flows += r.flows;
        total.settlements += r.settlements;
        total.reversals += r.reversals;
        total.calls += r.calls;
        total.failures += r.failures;
        total.interrupted += r.interrupted;
        for f in r.first_failures {
            if total.first_failures.len() < 8 {
                total.first_failures.push(f);
            }
        }
        for (k, v) in r.latencies {
            total.latencies.entry(k).or_default().extend(v);
        }
    }
    total.elapsed = start.elapsed();
    total
}
