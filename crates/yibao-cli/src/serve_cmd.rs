//! `yibao serve`: the hospital gateway on the embedded store (or PostgreSQL), optionally with the demo county.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use yibao_core::Policy;
use yibao_gateway::screening::library::{self, Install, PackUpload, install};
use yibao_gateway::{Gateway, demo, router};
use yibao_store::{Op, Store, StoreError};

pub struct ServeArgs<'a> {
    pub data: &'a str,
    pub listen: SocketAddr,
    pub demo: bool,
    pub policy: Option<&'a Path>,
    /// Read every person into memory in the background at start.
    pub warm: bool,
    /// Fund-supervision rule pack for 3101/3102 and `on_settle`, installed as its region's version (idempotent if
    /// identical); the gateway serves each region's newest version in force (the demo pack with `demo` when the
    /// region has none).
    pub rules: Option<&'a Path>,
    /// Seconds between background refreshes of the statistics rollups (0: none).
    pub stats_every: u64,
}

/// Stores a pack as a policy version unless that version is already stored (with the same text).
pub async fn install_policy(store: &Store, name: &str, text: &str) -> anyhow::Result<Policy> {
    let policy = Policy::from_toml(name, text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let op = Op::InsertPolicyVersion {
        admdvs: policy.admdvs.clone(),
        version: policy.version.clone(),
        pack: text.to_string(),
    };
    match store.commit(vec![op]).await {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            let stored = store.policy_text(&policy.admdvs, &policy.version).await?;
            if stored.as_deref() != Some(text) {
                bail!(
                    "统筹区 {} 的政策版本 {} 已存在且内容不同：修改政策请同时修改 [region] version",
                    policy.admdvs,
                    policy.version
                );
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(policy)
}

pub async fn run(a: ServeArgs<'_>) -> anyhow::Result<()> {
    let store = Store::open(a.data).await.with_context(|| format!("打开数据库 {}", a.data))?;
    if a.demo && demo::seed(&store).await? {
        println!("已建立演示数据：示范县（{}），{} 家定点医疗机构", demo::DEMO_ADMDVS, demo::INSTITUTIONS.len());
    }
    let (name, text) = match a.policy {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("读取政策包 {}", p.display()))?,
        ),
        None if a.demo => ("packs/demo-county.toml".to_string(), demo::DEMO_PACK.to_string()),
        None => bail!("请用 --policy 指定政策包（或用 --demo 运行演示县）"),
    };
    let policy = install_policy(&store, &name, &text).await?;
    // Checked before anything listens: a bad rule pack stops the start with every error, file and line.
    let upload = match a.rules {
        Some(p) => {
            let u = PackUpload::read(p).map_err(|e| anyhow::anyhow!("{e}"))?;
            u.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
            Some(u)
        }
        None if a.demo => {
            let u = library::demo_upload();
            let admdvs = u.validate().map_err(|e| anyhow::anyhow!("{e}"))?.admdvs;
            // The demo pack only when the region has no stored version yet.
            (store.rule_pack_versions(&admdvs).await?.is_empty()).then_some(u)
        }
        None => None,
    };
    let admdvs = policy.admdvs.clone();
    let accounts = if a.demo { yibao_web::seed_demo_accounts(&store).await? } else { 0 };
    let gw = Arc::new(Gateway::new(store, admdvs.clone()));
    yibao_gateway::catalogue::install(&gw, policy.clone()).await?; // with the region's stored catalogue version
    if let Some(u) = &upload {
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        let how = Install { version: None, effective: &today, by: "yibao serve --rules" };
        let (region, version, fresh) = install(&gw.store, u, &how, true).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if fresh {
            println!("已将规则库 {} 安装为统筹区 {region} 的版本 {version}", u.file);
        }
    }
    library::reload(&gw).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let regions = gw.store.rule_pack_regions().await?;
    let loaded: Vec<_> = regions.iter().filter_map(|r| gw.screening_of(r)).collect();
    for s in &loaded {
        println!("基金监管规则库：{}（存储版本 {}）", s.describe(), s.stored.as_deref().unwrap_or("-"));
        if s.pack.admdvs != admdvs {
            println!("  注意：规则库统筹区 {} 与政策包统筹区 {admdvs} 不同", s.pack.admdvs);
        }
    }
    if loaded.is_empty() {
        println!(
            "未安装基金监管规则库（--rules 或 yibao rules install）：3101/3102 将答复“未配置规则库”，结算时不做事中审核"
        );
    }
    gw.claim_node().await?;
    gw.watch_epochs().await?;
    if a.warm {
        let gw = gw.clone();
        tokio::spawn(async move {
            let t = std::time::Instant::now();
            match gw.state.warm(&gw.store).await {
                Ok(n) => tracing::info!(people = n, seconds = t.elapsed().as_secs_f64(), "people read into memory"),
                Err(e) => tracing::warn!(error = %e, "reading people into memory stopped; they are read at first use"),
            }
        });
    }
    let web = yibao_web::Web::new(gw.clone());
    if a.stats_every > 0 {
        yibao_web::stats::refresh_every(web.store.clone(), std::time::Duration::from_secs(a.stats_every));
    }
    let listener = tokio::net::TcpListener::bind(a.listen).await.with_context(|| format!("监听 {}", a.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "Yibao 医保网关已启动：http://{addr}/fsi/api （统筹区 {admdvs}，政策版本 {}，数据 {}）",
        policy.version, a.data
    );
    if a.demo {
        let (code, _, _, _, paasid, secret) = demo::INSTITUTIONS[0];
        println!("试一下（人员信息获取 1101，{code} 的接入账号 {paasid}）：");
        println!(
            r#"  ts=$(date +%s); nonce=$(date +%N); msgid={code}$(date +%Y%m%d%H%M%S)0001
  sig=$(printf '%s%s%s%s' $ts {secret} $nonce $ts | sha256sum | cut -d' ' -f1)
  curl -s http://{addr}/fsi/api -H 'content-type: application/json' -H "x-tif-paasid: {paasid}" \
    -H "x-tif-timestamp: $ts" -H "x-tif-nonce: $nonce" -H "x-tif-signature: $sig" \
    -d '{{"infno":"1101","msgid":"'$msgid'","mdtrtarea_admvs":"{admdvs}","insuplc_admdvs":"{admdvs}","recer_sys_code":"YBXT","infver":"V1.0","opter_type":"1","opter":"01","opter_name":"演示","inf_time":"'"$(date '+%F %T')"'","fixmedins_code":"{code}","fixmedins_name":"示范县人民医院","input":{{"data":{{"mdtrt_cert_type":"02","mdtrt_cert_no":"{id}","psn_cert_type":"01","certno":"{id}"}}}}}}'"#,
            id = demo::id_number("19580312", 3)
        );
    }
    println!("员工网页：http://{addr}/login");
    if !a.demo && web.store.staff_users().await.map(|u| u.is_empty()).unwrap_or(false) {
        println!(
            "  尚无员工账号，请先建立管理员：YIBAO_PASSWORD=… yibao staff add --data {} --username admin --name 系统管理员 --role admin",
            a.data
        );
    }
    if a.demo {
        if accounts > 0 {
            println!("已建立演示账号 {accounts} 个。");
        }
        println!("演示账号（用户名 / 密码 / 角色）：");
        for (user, pw, name, role, _) in yibao_web::DEMO_ACCOUNTS {
            println!(
                "  {user:<9} {pw:<14} {name}（{}）",
                yibao_web::auth::Role::parse(role).map_or(*role, |r| r.name_zh())
            );
        }
    }
    axum::serve(listener, router(gw).merge(yibao_web::router(web)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
