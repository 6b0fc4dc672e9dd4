//! Gateway authentication per institution: x-tif-paasid / timestamp / nonce / signature, timestamp window, no replay.

use std::collections::VecDeque;
use std::sync::Mutex;

use rustc_hash::FxHashSet;
use sha2::{Digest, Sha256};

use crate::envelope::GwError;

/// How far a request's timestamp may be from the server's clock, in seconds.
pub const WINDOW_SECS: i64 = 300;

/// `SHA256hex(timestamp + secret + nonce + timestamp)`.
pub fn signature(timestamp: &str, secret: &str, nonce: &str) -> String {
    let mut h = Sha256::new();
    h.update(timestamp.as_bytes());
    h.update(secret.as_bytes());
    h.update(nonce.as_bytes());
    h.update(timestamp.as_bytes());
    hex::encode(h.finalize())
}

/// Nonces seen within the window; a nonce used twice by the same paasid is refused.
#[derive(Default)]
pub struct Nonces {
    inner: Mutex<NonceInner>,
}

#[derive(Default)]
struct NonceInner {
    seen: FxHashSet<(String, String)>,
    order: VecDeque<(i64, String, String)>,
}

impl Nonces {
    /// Records a nonce; false if it was already used inside the window.
    pub fn fresh(&self, now: i64, paasid: &str, nonce: &str) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((t, _, _)) = g.order.front() {
            if now - *t <= 2 * WINDOW_SECS {
                break;
            }
            let (_, p, n) = g.order.pop_front().expect("front exists");
            g.seen.remove(&(p, n));
        }
        if !g.seen.insert((paasid.to_string(), nonce.to_string())) {
            return false;
        }
        g.order.push_back((now, paasid.to_string(), nonce.to_string()));
        true
    }
}

/// The four headers, as received.
pub struct Headers<'a> {
    pub paasid: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Checks the timestamp window and the signature against the institution's secret, then the nonce.
pub fn verify(h: &Headers, secret: &str, now: i64, nonces: &Nonces) -> Result<(), GwError> {
    fn need<'a>(v: Option<&'a str>, name: &str) -> Result<&'a str, GwError> {
        v.filter(|s| !s.is_empty()).ok_or_else(|| GwError::new(format!("缺少请求头 {name}")))
    }
    let paasid = need(h.paasid, "x-tif-paasid")?;
    let ts = need(h.timestamp, "x-tif-timestamp")?;
    let nonce = need(h.nonce, "x-tif-nonce")?;
    let sig = need(h.signature, "x-tif-signature")?;
    let t: i64 = ts.parse().map_err(|_| GwError::new(format!("请求头 x-tif-timestamp“{ts}”应为 Unix 秒数")))?;
    if (now - t).abs() > WINDOW_SECS {
        return Err(GwError::new(format!(
            "请求头 x-tif-timestamp 与服务器时间相差 {} 秒，超过允许的 {WINDOW_SECS} 秒，请校准时钟",
            now - t
        )));
    }
    if nonce.len() > 64 {
        return Err(GwError::new("请求头 x-tif-nonce 超长（最多 64 个字符）"));
    }
    if !constant_time_eq(signature(ts, secret, nonce).as_bytes(), sig.to_ascii_lowercase().as_bytes()) {
        return Err(GwError::new("请求头 x-tif-signature 签名校验失败"));
    }
    if !nonces.fresh(now, paasid, nonce) {
        return Err(GwError::new("请求头 x-tif-nonce 已使用过（疑似重放），请为每次请求生成新的随机数"));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let n = Nonces::default();
        let sig = signature("1700000000", "s3cret", "abc");
        let h =
            Headers { paasid: Some("p1"), timestamp: Some("1700000000"), nonce: Some("abc"), signature: Some(&sig) };
        assert!(verify(&h, "s3cret", 1_700_000_010, &n).is_ok());
        // Replay of the same nonce is refused.
        assert!(verify(&h, "s3cret", 1_700_000_011, &n).unwrap_err().msg.contains("已使用"));
        // Wrong secret, stale timestamp.
        let h2 = Headers { nonce: Some("def"), ..h };
        assert!(verify(&h2, "other", 1_700_000_010, &n).unwrap_err().msg.contains("签名"));
        let h3 = Headers { nonce: Some("ghi"), ..h2 };
        assert!(verify(&h3, "s3cret", 1_700_001_000, &n).unwrap_err().msg.contains("超过允许"));
    }
}
