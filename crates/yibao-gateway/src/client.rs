//! A signing HIS-side client of the gateway: what tests, `yibao loadtest` and demos call it with.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::auth::signature;

/// One institution's connection to a gateway.
pub struct Client {
    http: reqwest::Client,
    url: String,
    pub fixmedins_code: String,
    pub fixmedins_name: String,
    pub paasid: String,
    secret: String,
    pub admdvs: String,
    seq: AtomicU64,
}

impl Client {
    pub fn new(base: &str, code: &str, name: &str, paasid: &str, secret: &str, admdvs: &str) -> Client {
        Client {
            http: reqwest::Client::builder().pool_max_idle_per_host(64).build().expect("http client"),
            url: format!("{}/fsi/api", base.trim_end_matches('/')),
            fixmedins_code: code.to_string(),
            fixmedins_name: name.to_string(),
            paasid: paasid.to_string(),
            secret: secret.to_string(),
            admdvs: admdvs.to_string(),
            seq: AtomicU64::new(0),
        }
    }

    /// Starts the msgid sequence at `n` (a second client of the same institution must not repeat the first's msgids).
    pub fn with_sequence_from(self, n: u64) -> Client {
        self.seq.store(n, Ordering::Relaxed);
        self
    }

    /// A fresh msgid: institution code(12) + yyyyMMddHHmmss(14) + sequence(4).
    pub fn msgid(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let code: String = self.fixmedins_code.chars().take(12).collect();
        format!("{code}{}{:04}", chrono::Local::now().format("%Y%m%d%H%M%S"), n % 10_000)
    }

    /// The envelope for a call.
    pub fn envelope(&self, infno: &str, msgid: &str, input: Value) -> Value {
        json!({
            "infno": infno, "msgid": msgid, "mdtrtarea_admvs": self.admdvs, "insuplc_admdvs": self.admdvs,
            "recer_sys_code": "YBXT", "dev_no": "", "dev_safe_info": "", "cainfo": "", "signtype": "", "infver": "V1.0",
            "opter_type": "1", "opter": "0001", "opter_name": "收费员", "inf_time": chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            "fixmedins_code": self.fixmedins_code, "fixmedins_name": self.fixmedins_name, "sign_no": "", "input": input,
        })
    }

    /// Posts a call with a new msgid and returns the whole answer.
    pub async fn call(&self, infno: &str, input: Value) -> Result<Value, String> {
        let msgid = self.msgid();
        self.call_with(infno, &msgid, input).await
    }

    pub async fn call_with(&self, infno: &str, msgid: &str, input: Value) -> Result<Value, String> {
        self.post(&self.envelope(infno, msgid, input)).await
    }

    /// Posts a body as is (signed), to `/fsi/api`.
    pub async fn post(&self, body: &Value) -> Result<Value, String> {
        self.post_to(&self.url, body).await
    }

    pub async fn post_to(&self, url: &str, body: &Value) -> Result<Value, String> {
        let ts = chrono::Utc::now().timestamp().to_string();
        let nonce = format!(
            "{}-{}",
            self.seq.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let sig = signature(&ts, &self.secret, &nonce);
        let r = self
            .http
            .post(url)
            .header("x-tif-paasid", &self.paasid)
            .header("x-tif-timestamp", &ts)
            .header("x-tif-nonce", &nonce)
            .header("x-tif-signature", &sig)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
        r.json::<Value>().await.map_err(|e| format!("answer is not JSON: {e}"))
    }

    /// The gateway URL for a per-service path.
    pub fn url_for(&self, path: &str) -> String {
        self.url.replace("/fsi/api", path)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }
}
