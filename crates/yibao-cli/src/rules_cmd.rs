//! `yibao rules check|install`: validates a fund-supervision rule pack with its knowledge files, and stores it as a
//! region's version so that running gateways switch to it within a second.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use yibao_gateway::screening::Screening;
use yibao_gateway::screening::library::{Install, InstallError, PackUpload, install};
use yibao_store::Store;

#[derive(Subcommand)]
pub enum RulesCmd {
    /// Check a rule pack and its knowledge files; every error with file, line, field and a Chinese reason.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Validate a rule pack and store it as a new version of its region (nothing is stored on an error).
    Install {
        /// Data directory of the embedded database, or a postgres:// URL.
        #[arg(long, default_value = "data")]
        data: String,
        /// The version label (default: the pack's [pack] version).
        #[arg(long)]
        version: Option<String>,
        /// First day (YYYY-MM-DD) gateways use it (default: today).
        #[arg(long)]
        effective: Option<String>,
        /// Who installs it (default: $USER).
        #[arg(long)]
        by: Option<String>,
        file: PathBuf,
    },
}

pub fn run(cmd: RulesCmd) -> ExitCode {
    match cmd {
        RulesCmd::Check { files } => check(&files),
        RulesCmd::Install { data, version, effective, by, file } => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
            let effective = effective.unwrap_or_else(|| chrono::Local::now().format("%Y-%m-%d").to_string());
            let by = by.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".into());
            let how = Install { version: version.as_deref(), effective: &effective, by: &by };
            match rt.block_on(install_file(&data, &file, &how)) {
                Ok(msg) => {
                    println!("{msg}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprint!("{e}");
                    if !e.ends_with('\n') {
                        eprintln!();
                    }
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for f in files {
        match PackUpload::read(f).and_then(|u| u.validate().map_err(|e| e.to_string())) {
            Ok(p) => {
                let s = Screening::from_pack(p, &f.display().to_string());
                println!("{}: 校验通过 (OK) — {}，规则 {} 条", f.display(), s.describe(), s.pack.rules().len());
            }
            Err(e) => {
                failed = true;
                eprint!("{e}");
                if !e.ends_with('\n') {
                    eprintln!();
                }
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

async fn install_file(data: &str, file: &Path, how: &Install<'_>) -> Result<String, String> {
    let upload = PackUpload::read(file)?;
    let store = Store::open(data).await.map_err(|e| format!("打开数据库 {data}：{e}"))?;
    match install(&store, &upload, how, false).await {
        Ok((admdvs, version, _)) => Ok(format!(
            "已安装规则库：统筹区 {admdvs} 版本 {version}，自 {} 起生效（安装人 {}）；运行中的网关将在一秒内切换",
            how.effective, how.by
        )),
        Err(InstallError::Invalid(e)) => Err(format!("{e}未安装任何内容。\n")),
        Err(e) => Err(format!("错误：{e}")),
    }
}
