//! The window's bill: the form as entered (or pasted from an itemised bill), checked into visit, diagnoses and fee
//! lines, then registered, uploaded, pre-settled and settled through the gateway on the institution's behalf.
//!
//! Each gateway call's msgid is derived from the form's request id, the bill's content and the step, so a resubmitted
//! form replays the first answers; a changed bill cancels the visit its previous pre-settlement registered.

use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use yibao_core::money::{Fen, Price, Qty, line_amount};
use yibao_store::Op;
use yibao_store::webop::WebOp;

use crate::auth::Staff;
use crate::{App, Web};

/// The bill form as posted.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct BillForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub rid: String,
    #[serde(default)]
    pub psn_no: String,
    #[serde(default)]
    pub insutype: String,
    #[serde(default)]
    pub fixmedins_code: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub med_type: String,
    #[serde(default)]
    pub begntime: String,
    #[serde(default)]
    pub endtime: String,
    #[serde(default)]
    pub diagnoses: String,
    #[serde(default)]
    pub dise_codg: String,
    #[serde(default)]
    pub acct: String,
    #[serde(default)]
    pub lines: String,
}

/// One fee line of the bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub code: String,
    pub pric: Price,
    pub cnt: Qty,
    pub sum: Fen,
}

/// A checked bill.
#[derive(Debug, Clone)]
pub struct Bill {
    pub form: BillForm,
    pub inpatient: bool,
    pub begntime: String,
    pub endtime: String,
    pub diagnoses: Vec<(String, String)>,
    pub lines: Vec<Line>,
    pub total: Fen,
    /// Digest of everything the gateway will be told.
    pub content: String,
}

/// `2026-12-02T09:30` (datetime-local) or `2026-12-02 09:30[:00]` → `2026-12-02 09:30:00`.
fn datetime(field: &str, v: &str) -> Result<String, String> {
    let v = v.trim().replace('T', " ");
    let full = if v.len() == 16 { format!("{v}:00") } else { v.clone() };
    chrono::NaiveDateTime::parse_from_str(&full, "%Y-%m-%d %H:%M:%S")
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .map_err(|_| format!("{field}“{v}”不是有效的日期时间（应为 年-月-日 时:分）"))
}

/// Fee lines pasted from an itemised bill: one per line, `目录编码 单价 数量 [名称…]`, separated by spaces, tabs or
/// commas (a CSV or a spreadsheet's cells); a header line and empty lines are skipped.
pub fn parse_lines(text: &str) -> Result<Vec<Line>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = row
            .split(|c: char| c == '\t' || c == ',' || c == '，' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .collect();
        if i == 0 && cells.first().is_some_and(|c| c.contains("编码") || c.eq_ignore_ascii_case("code")) {
            continue;
        }
        let at = |m: String| format!("费用明细第 {} 行：{m}", i + 1);
        if cells.len() < 3 {
            return Err(at("应为“目录编码 单价 数量”三项（以空格、制表符或逗号分隔）".into()));
        }
        let pric: Price = cells[1].parse().map_err(|_| at(format!("单价“{}”不是有效金额", cells[1])))?;
        let cnt: Qty = cells[2].parse().map_err(|_| at(format!("数量“{}”不是有效数量", cells[2])))?;
        if pric.0 < 0 {
            return Err(at("单价不能为负数".into()));
        }
        if cnt.0 <= 0 {
            return Err(at("数量必须大于 0（退费请撤销后重新结算）".into()));
        }
        let code = cells[0].to_string();
        if code.len() > 50 {
            return Err(at(format!("目录编码“{code}”过长")));
        }
        out.push(Line { code, pric, cnt, sum: line_amount(pric, cnt) });
    }
    if out.is_empty() {
        return Err("请录入至少一条费用明细（每行：目录编码 单价 数量）".into());
    }
    if out.len() > 2000 {
        return Err(format!("一次最多 2000 条费用明细，收到 {} 条", out.len()));
    }
    Ok(out)
}

/// Checks the form into a bill; every error names the field in Chinese.
pub fn parse(f: &BillForm) -> Result<Bill, String> {
    let need = |v: &str, what: &str| if v.trim().is_empty() { Err(format!("请填写{what}")) } else { Ok(()) };
    need(&f.psn_no, "人员编号")?;
    need(&f.insutype, "险种")?;
    need(&f.fixmedins_code, "定点医疗机构")?;
    need(&f.med_type, "医疗类别")?;
    let inpatient = match f.kind.as_str() {
        "ipt" => true,
        "otp" | "" => false,
        k => return Err(format!("就诊类型“{k}”应为门诊或住院")),
    };
    let begntime = datetime(if inpatient { "入院时间" } else { "就诊时间" }, &f.begntime)?;
    let endtime = if inpatient {
        let e = datetime("出院时间", &f.endtime)?;
        if e < begntime {
            return Err(format!("出院时间 {e} 早于入院时间 {begntime}"));
        }
        e
    } else {
        String::new()
    };
    let mut diagnoses = Vec::new();
    for row in f.diagnoses.lines().map(str::trim).filter(|r| !r.is_empty()) {
        let (code, name) = row.split_once(char::is_whitespace).unwrap_or((row, ""));
        if code.len() > 20 {
            return Err(format!("诊断编码“{code}”过长"));
        }
        diagnoses.push((code.to_string(), name.trim().to_string()));
    }
    if diagnoses.is_empty() {
        return Err("请填写至少一项诊断（每行：诊断编码 诊断名称，如“J18.9 肺炎”）".into());
    }
    let lines = parse_lines(&f.lines)?;
    let total = lines.iter().map(|l| l.sum).sum();
    let acct = if f.acct == "1" { "1" } else { "0" };
    let mut h = Sha256::new();
    for part in [&f.psn_no, &f.insutype, &f.fixmedins_code, &f.med_type, &begntime, &endtime, &f.dise_codg, acct] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update(format!("{diagnoses:?}{lines:?}").as_bytes());
    let content = hex::encode(&h.finalize()[..12]);
    Ok(Bill { form: f.clone(), inpatient, begntime, endtime, diagnoses, lines, total, content })
}

/// The msgid of one step of one bill: the same request, bill and step always give the same msgid.
pub fn msgid(rid: &str, content: &str, step: &str) -> String {
    let d = Sha256::digest(format!("{rid}|{content}|{step}").as_bytes());
    format!("W{}", &hex::encode(d)[..24])
}

/// Calls the gateway for the institution, as the staff member; the output node or the refusal's message.
pub async fn call(
    app: &Web,
    staff: &Staff,
    inst: &str,
    msgid: &str,
    infno: &str,
    input: Value,
) -> Result<Value, String> {
    let a = app.gw.call_as(inst, &staff.username, &staff.display_name, msgid, infno, input).await;
    if a.infcode == 0 { Ok(a.output) } else { Err(a.err_msg) }
}

/// What a pre-settlement shows.
pub struct Preview {
    pub mdtrt_id: String,
    pub setlinfo: Value,
    pub setldetail: Vec<Value>,
    pub explanation: Vec<String>,
}

fn window_line(b: &Bill, mdtrt_id: &str, i: usize, l: &Line) -> Value {
    json!({
        "feedetl_sn": format!("L{:04}", i + 1), "mdtrt_id": mdtrt_id, "psn_no": b.form.psn_no, "chrg_bchno": "W1",
        "fee_ocur_time": b.begntime, "med_list_codg": l.code, "medins_list_codg": l.code,
        "det_item_fee_sumamt": l.sum.to_string(), "cnt": l.cnt.to_string(), "pric": l.pric.to_string(),
        "bilg_dept_codg": "W01", "bilg_dept_name": "医保服务窗口", "bilg_dr_codg": "W01", "bilg_dr_name": "窗口",
    })
}

fn diseinfo(b: &Bill) -> Value {
    Value::Array(
        b.diagnoses
            .iter()
            .enumerate()
            .map(|(i, (c, n))| {
                json!({ "psn_no": b.form.psn_no, "diag_type": "1", "diag_srt_no": (i + 1).to_string(),
                "diag_code": c, "diag_name": n, "maindiag_flag": if i == 0 { "1" } else { "0" } })
            })
            .collect(),
    )
}

/// Cancels the visit an earlier version of this bill registered (it was never settled).
async fn cancel_previous(app: &Web, staff: &Staff, rid: &str, bill: &Bill) -> Result<(), String> {
    let Some(d) = app.store.window_draft(rid).await.map_err(|e| e.to_string())? else { return Ok(()) };
    if d.content == bill.content {
        return Ok(());
    }
    let Some(v) = app.store.visit(&d.psn_no, &d.mdtrt_id).await.map_err(|e| e.to_string())? else { return Ok(()) };
    let data = json!({ "data": { "psn_no": d.psn_no, "mdtrt_id": d.mdtrt_id, "ipt_otp_no": v.ipt_otp_no } });
    let m = |step: &str| msgid(rid, &d.content, step);
    match (v.kind.as_str(), v.state.as_str()) {
        (_, "settled") => return Err("此账单已结算；如需再办理一笔，请点击“新建账单”".into()),
        ("otp", "registered") => {
            call(app, staff, &d.fixmedins_code, &m("2202"), "2202", data).await?;
        }
        ("ipt", s @ ("admitted" | "discharged")) => {
            if s == "discharged" {
                call(app, staff, &d.fixmedins_code, &m("2405"), "2405", data.clone()).await?;
            }
            call(app, staff, &d.fixmedins_code, &m("2404"), "2404", data).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Registers the visit, uploads diagnoses and lines, and pre-settles (2201/2203/2204/2206, or 2401/2301/2402/2303).
pub async fn preview(app: &App, staff: &Staff, bill: &Bill) -> Result<Preview, String> {
    let f = &bill.form;
    let rid = &f.rid;
    cancel_previous(app, staff, rid, bill).await?;
    let person = app.store.person(&f.psn_no).await.map_err(|e| e.to_string())?.ok_or("人员不存在")?;
    let inst = f.fixmedins_code.as_str();
    let m = |step: &str| msgid(rid, &bill.content, step);
    let cert = person.certno.clone();
    let acct = if f.acct == "1" { "1" } else { "0" };
    let serial = format!("W{}", &bill.content[..10]);
    let (mdtrt_id, settle_input, pre_infno) = if bill.inpatient {
        let (main_code, main_name) = bill.diagnoses[0].clone();
        let main_name = if main_name.is_empty() { "-".to_string() } else { main_name };
        let adm = call(app, staff, inst, &m("2401"), "2401", json!({
            "mdtrtinfo": { "psn_no": f.psn_no, "insutype": f.insutype, "coner_name": "", "tel": "", "begntime": bill.begntime,
                "mdtrt_cert_type": "02", "mdtrt_cert_no": cert, "med_type": f.med_type, "ipt_no": serial, "medrcdno": serial,
                "atddr_no": "W01", "chfpdr_name": "窗口", "adm_diag_dscr": main_name, "adm_dept_codg": "W01",
                "adm_dept_name": "医保服务窗口", "adm_bed": "-", "dscg_maindiag_code": main_code, "dscg_maindiag_name": main_name,
                "main_cond_dscr": "", "dise_codg": f.dise_codg, "dise_name": "" },
            "diseinfo": diseinfo(bill) })).await?;
        let mdtrt_id = adm["result"]["mdtrt_id"].as_str().unwrap_or_default().to_string();
        let lines: Vec<Value> =
            bill.lines.iter().enumerate().map(|(i, l)| window_line(bill, &mdtrt_id, i, l)).collect();
        call(app, staff, inst, &m("2301"), "2301", json!({ "feedetail": lines })).await?;
        call(
            app,
            staff,
            inst,
            &m("2402"),
            "2402",
            json!({ "dscginfo": { "psn_no": f.psn_no, "mdtrt_id": mdtrt_id,
            "insutype": f.insutype, "endtime": bill.endtime, "dscg_way": "1", "dise_codg": f.dise_codg } }),
        )
        .await?;
        let input = json!({ "data": { "psn_no": f.psn_no, "mdtrt_id": mdtrt_id, "insutype": f.insutype, "mdtrt_cert_type": "02",
            "mdtrt_cert_no": cert, "medfee_sumamt": bill.total.to_string(), "acct_used_flag": acct, "mid_setl_flag": "0" } });
        (mdtrt_id, input, "2303")
    } else {
        let reg = call(app, staff, inst, &m("2201"), "2201", json!({ "data": {
            "psn_no": f.psn_no, "insutype": f.insutype, "begntime": bill.begntime, "mdtrt_cert_type": "02", "mdtrt_cert_no": cert,
            "ipt_otp_no": serial, "atddr_no": "W01", "dr_name": "窗口", "dept_code": "W01", "dept_name": "医保服务窗口", "caty": "W01" } }))
        .await?;
        let mdtrt_id = reg["data"]["mdtrt_id"].as_str().unwrap_or_default().to_string();
        let mut info =
            json!({ "mdtrt_id": mdtrt_id, "psn_no": f.psn_no, "med_type": f.med_type, "begntime": bill.begntime });
        if !f.dise_codg.is_empty() {
            info["dise_codg"] = json!(f.dise_codg);
        }
        call(app, staff, inst, &m("2203"), "2203", json!({ "mdtrtinfo": info, "diseinfo": diseinfo(bill) })).await?;
        let lines: Vec<Value> =
            bill.lines.iter().enumerate().map(|(i, l)| window_line(bill, &mdtrt_id, i, l)).collect();
        call(app, staff, inst, &m("2204"), "2204", json!({ "feedetail": lines })).await?;
        let input = json!({ "data": { "psn_no": f.psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": cert, "med_type": f.med_type,
            "medfee_sumamt": bill.total.to_string(), "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": "W1",
            "insutype": f.insutype, "acct_used_flag": acct, "invono": serial } });
        (mdtrt_id, input, "2206")
    };
    let pre = call(app, staff, inst, &m(pre_infno), pre_infno, settle_input.clone()).await?;
    let explanation = app.gw.explain_visit(inst, &f.psn_no, &mdtrt_id, acct).await?;
    let draft = Op::Web(WebOp::Draft {
        request_id: rid.clone(),
        username: staff.username.clone(),
        psn_no: f.psn_no.clone(),
        fixmedins_code: inst.to_string(),
        mdtrt_id: mdtrt_id.clone(),
        kind: if bill.inpatient { "ipt" } else { "otp" }.to_string(),
        content: bill.content.clone(),
        settle_input: settle_input.to_string(),
    });
    app.store.commit(vec![draft]).await.map_err(|e| e.to_string())?;
    Ok(Preview {
        mdtrt_id,
        setlinfo: pre["setlinfo"].clone(),
        setldetail: pre["setldetail"].as_array().cloned().unwrap_or_default(),
        explanation,
    })
}

/// Settles the bill last pre-settled under this request id (2207/2304); returns the settlement id.
pub async fn settle(app: &App, staff: &Staff, rid: &str) -> Result<(String, String), String> {
    let d = app.store.window_draft(rid).await.map_err(|e| e.to_string())?.ok_or("请先预结算，核对金额后再确认结算")?;
    staff.check_institution(&d.fixmedins_code).map_err(|_| "定点机构操作员只能办理本机构的结算".to_string())?;
    let input: Value = serde_json::from_str(&d.settle_input).map_err(|e| e.to_string())?;
    let infno = if d.kind == "ipt" { "2304" } else { "2207" };
    let out = call(app, staff, &d.fixmedins_code, &msgid(rid, &d.content, infno), infno, input).await?;
    let setl_id = out["setlinfo"]["setl_id"].as_str().unwrap_or_default().to_string();
    Ok((d.psn_no, setl_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lines_parse_with_precise_errors() {
        let l = parse_lines("目录编码\t单价\t数量\n001102000010000\t30\t2\tA\nX, 12.5, 4\n\n").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].sum, Fen(6000));
        assert_eq!(l[1].sum, Fen(5000));
        assert_eq!(
            parse_lines("A 1").unwrap_err(),
            "费用明细第 1 行：应为“目录编码 单价 数量”三项（以空格、制表符或逗号分隔）"
        );
        assert!(parse_lines("A x 1").unwrap_err().contains("单价“x”"));
        assert!(parse_lines("A 1 0").unwrap_err().contains("数量必须大于 0"));
        assert!(parse_lines("").is_err());
        assert_eq!(datetime("t", "2026-12-02T09:30").unwrap(), "2026-12-02 09:30:00");
        assert_ne!(msgid("r", "c", "2201"), msgid("r", "c", "2204"));
    }
}
