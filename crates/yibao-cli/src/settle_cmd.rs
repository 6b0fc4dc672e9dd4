//! `yibao settle`: one settlement from a policy pack and a request file, printed as JSON or as the explanation.

use std::path::Path;
use std::process::ExitCode;

use yibao_core::output::{SetlIds, SettleOutput};
use yibao_core::{Policy, SettleRequest, explain, settle};

pub fn run(policy: &Path, request: &Path, explain_only: bool, mask: bool) -> ExitCode {
    let policy = match Policy::load(policy) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(request) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("无法读取请求文件 {}：{e}", request.display());
            return ExitCode::from(2);
        }
    };
    let req: SettleRequest = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("请求文件 {} 格式错误（第 {} 行第 {} 列）：{e}", request.display(), e.line(), e.column());
            return ExitCode::from(2);
        }
    };
    let s = match settle(&policy, &req) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("结算被拒绝：{e}");
            return ExitCode::from(1);
        }
    };
    if explain_only {
        for line in explain::render_zh(&policy, &req, &s) {
            println!("{line}");
        }
        return ExitCode::SUCCESS;
    }
    let ids = SetlIds { mdtrt_cert_type: "02".to_string(), ..SetlIds::default() };
    let out = SettleOutput::build(&policy, &req, &s, &ids, mask);
    println!("{}", serde_json::to_string_pretty(&out).expect("settlement serializes"));
    ExitCode::SUCCESS
}
