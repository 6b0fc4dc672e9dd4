//! `yibao`: the command line of the Yibao medical-security platform.

mod settle_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "yibao", version, about = "Yibao 医保: one-stop settlement, policy packs and the hospital interface")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Settle one visit from a request file and print the settlement (setlinfo, setldetail, explanation).
    Settle {
        /// Policy pack (TOML).
        #[arg(long)]
        policy: PathBuf,
        /// Request file (JSON): person, accumulators, visit. See docs/settle-request.md.
        #[arg(long)]
        request: PathBuf,
        /// Print the Chinese explanation instead of JSON.
        #[arg(long)]
        explain: bool,
        /// Mask ID number and name in the output.
        #[arg(long)]
        mask: bool,
    },
    /// Policy packs.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// Check policy packs and report every error with file, line and field.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Settle { policy, request, explain, mask } => settle_cmd::run(&policy, &request, explain, mask),
        Cmd::Policy { cmd: PolicyCmd::Check { files } } => policy_check(&files),
    }
}

fn policy_check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for f in files {
        match yibao_core::Policy::load(f) {
            Ok(p) => {
                println!(
                    "{}: 校验通过 (OK) — {} {} 版本 {}，{} 个险种期间，{} 个目录项",
                    f.display(),
                    p.admdvs,
                    p.region_name,
                    p.version,
                    p.schemes.len(),
                    p.catalogue.len()
                );
            }
            Err(e) => {
                failed = true;
                eprint!("{e}");
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
