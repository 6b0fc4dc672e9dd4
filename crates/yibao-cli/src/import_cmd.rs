//! `yibao import KIND FILE`: imports a bureau's exchange file (CSV or xlsx) of people, households, enrollments,
//! identities, diseases, accounts, institutions, deaths exchanged with civil affairs (`deaths`), or a catalogue
//! version (`catalogue FILE --admdvs A --version V [--from D]`), and prints what was imported and every wrong row.

use std::path::Path;
use std::process::ExitCode;

use yibao_import::{CatalogueTarget, ImportError, Kind, Report};

/// The catalogue options of the command line.
pub struct Target {
    pub admdvs: Option<String>,
    pub version: Option<String>,
    pub from: Option<chrono::NaiveDate>,
}

impl Target {
    /// The catalogue a catalogue file is imported as; other kinds take no catalogue options.
    fn for_kind(self, kind: Kind) -> Result<Option<CatalogueTarget>, String> {
        match (kind, self.admdvs, self.version) {
            (Kind::Catalogue, Some(admdvs), Some(version)) => {
                Ok(Some(CatalogueTarget { admdvs, version, from: self.from }))
            }
            (Kind::Catalogue, _, _) => {
                Err("导入医保目录须指定统筹区和目录版本：yibao import catalogue 文件 --admdvs 999001 --version 2026.1 [--from 2026-01-01]".to_string())
            }
            (_, None, None) if self.from.is_none() => Ok(None),
            _ => Err("--admdvs、--version、--from 只用于导入医保目录（catalogue）".to_string()),
        }
    }
}

/// Exit codes: 0 when rows were imported or there was nothing wrong; 1 when the file has wrong rows and nothing was
/// imported; 2 when the file could not be read at all, or the store could not be opened or written.
pub fn run(data: &str, kind: &str, file: &Path, skip_bad: bool, target: Target) -> ExitCode {
    let parsed = kind.parse::<Kind>().map_err(|e| e.to_string()).and_then(|k| Ok((k, target.for_kind(k)?)));
    let (kind, target) = match parsed {
        Ok(k) => k,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::from(2);
        }
    };
    let result = rt.block_on(async {
        let store = yibao_store::Store::open(data).await?;
        match &target {
            Some(t) => yibao_import::import_catalogue(&store, file, t, skip_bad).await,
            None => yibao_import::import(&store, kind, file, skip_bad).await,
        }
    });
    match &target {
        Some(t) => println!(
            "导入{}（{}）：{}，统筹区 {} 目录版本 {}",
            kind.label(),
            kind.name(),
            file.display(),
            t.admdvs,
            t.version
        ),
        None => println!("导入{}（{}）：{}", kind.label(), kind.name(), file.display()),
    }
    match result {
        Ok(report) => {
            print_report(&report);
            if !report.bad.is_empty() && report.imported == 0 {
                if !skip_bad && report.bad.len() < report.rows {
                    println!("文件有错误，未导入任何数据。请修正上述行后重新导入，或加 --skip-bad 只导入正确的行。");
                }
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(ImportError::Commit { report, first_row, last_row, source }) => {
            print_report(&report);
            eprintln!(
                "错误：第 {first_row}–{last_row} 行写入数据库失败：{source}。此前已写入 {} 行并已保留；排除原因后可重新导入整个文件，已写入的行不会重复写入。",
                report.imported
            );
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::from(2)
        }
    }
}

fn print_report(r: &Report) {
    println!("共 {} 行，导入 {} 行，错误 {} 行", r.rows, r.imported, r.bad.len());
    for w in &r.warnings {
        println!("提示：{w}");
    }
    for b in &r.bad {
        println!("第 {} 行：{}", b.row, b.reason);
    }
}
