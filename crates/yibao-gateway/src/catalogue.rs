//! Imported catalogue versions (医保目录) in a running gateway: a region's policy classifies lines by the version in
//! force today laid over its pack's own `[[catalogue]]` (same codes replaced, new codes added), and is rebuilt within
//! a second when an import bumps the `catalogue` cache epoch or a version's first day comes.
//!
//! [`install`] is how a region's policy is loaded (by `Gateway::load_policies` and `yibao serve`); a policy set
//! exactly as given with `set_policy` gets its region's catalogue at the watcher's next look ([`watch`]).

use std::sync::Arc;

use yibao_core::Policy;
use yibao_store::{Result, Store};

use crate::Gateway;

/// The cache epoch an import of catalogue items bumps.
pub const EPOCH: &str = "catalogue";

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// The region's policy with the stored catalogue version in force on `date` (ISO) laid over the pack's catalogue,
/// or with the pack's catalogue alone when the region has none in force.
pub async fn with_stored_catalogue(store: &Store, policy: &Policy, date: &str) -> Result<Policy> {
    match store.catalogue_in_force(&policy.admdvs, date).await? {
        Some(v) => {
            let items = store.catalogue_items(&v.admdvs, &v.version).await?;
            Ok(policy.with_catalogue(&v.version, &items))
        }
        None => Ok(policy.with_pack_catalogue()),
    }
}

/// Loads (or replaces) a region's policy, with the region's stored catalogue version in force today.
pub async fn install(gw: &Gateway, policy: Policy) -> Result<()> {
    let policy = with_stored_catalogue(&gw.store, &policy, &today()).await?;
    tracing::info!(admdvs = %policy.admdvs, catalogue = ?policy.catalogue_version, items = policy.catalogue.len(), "policy loaded");
    gw.set_policy(policy);
    Ok(())
}

/// Rebuilds every loaded region's policy with the catalogue version in force today. A policy replaced meanwhile
/// (another `set_policy`) is left as it was replaced.
pub async fn reload(gw: &Gateway) -> Result<()> {
    let loaded: Vec<Arc<Policy>> = gw.policies.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
    let day = today();
    for old in loaded {
        let fresh = Arc::new(with_stored_catalogue(&gw.store, &old, &day).await?);
        let mut g = gw.policies.write().unwrap_or_else(|p| p.into_inner());
        if g.get(&old.admdvs).is_some_and(|current| Arc::ptr_eq(current, &old)) {
            tracing::info!(admdvs = %fresh.admdvs, catalogue = ?fresh.catalogue_version, items = fresh.catalogue.len(), "catalogue reloaded");
            g.insert(fresh.admdvs.clone(), fresh);
        }
    }
    Ok(())
}

/// Watches the `catalogue` epoch and the date, once a second, and reloads the catalogues when either moves (a
/// failed reload is tried again the next second). The first look reloads too, so that nothing imported between
/// loading a policy and starting the watch is missed, and a policy set as given gets its region's catalogue. Runs
/// until the gateway is dropped.
pub fn watch(gw: &Arc<Gateway>) {
    watch_versions(gw, EPOCH, "catalogue", |gw| async move { reload(&gw).await });
}

/// Watches cache epoch `epoch` and the date once a second and calls `reload` when either moves (a failed reload is
/// tried again the next second, logged as `what`); the first look reloads too. Runs until the gateway is dropped.
/// Shared by the catalogue versions and the stored rule packs.
pub(crate) fn watch_versions<F, Fut, E>(gw: &Arc<Gateway>, epoch: &'static str, what: &'static str, reload: F)
where
    F: Fn(Arc<Gateway>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::result::Result<(), E>> + Send,
    E: std::fmt::Display,
{
    let weak = Arc::downgrade(gw);
    tokio::spawn(async move {
        let mut seen: Option<(i64, String)> = None;
        loop {
            if let Some(gw) = weak.upgrade() {
                match gw.store.epochs().await {
                    Ok(epochs) => {
                        let now = Some((epochs.into_iter().find(|(n, _)| n == epoch).map_or(0, |(_, v)| v), today()));
                        if seen != now {
                            match reload(gw).await {
                                Ok(()) => seen = now,
                                Err(e) => tracing::warn!(error = %e, "{what} reload failed; trying again"),
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cache epochs unreadable"),
                }
            } else {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
}
