//! Identifiers the platform issues (就诊ID, 结算ID, 接收方报文ID), unique across restarts without a database sequence.

use std::sync::Mutex;

/// Issues ids from the clock in milliseconds plus a counter within the millisecond, never going backwards.
#[derive(Default)]
pub struct IdGen {
    last: Mutex<(i64, u32)>,
}

impl IdGen {
    fn next(&self) -> (i64, u32) {
        let now = chrono::Utc::now().timestamp_millis();
        let mut g = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let (ms, n) = *g;
        let next = if now > ms {
            (now, 0)
        } else if n < 99_999 {
            (ms, n + 1)
        } else {
            (ms + 1, 0)
        };
        *g = next;
        next
    }

    /// A 19-character id: a letter, 13 digits of milliseconds, 5 of sequence ("M1732345678901" + "00001").
    pub fn id(&self, prefix: char) -> String {
        let (ms, n) = self.next();
        format!("{prefix}{ms:013}{n:05}")
    }

    /// 接收方报文ID: admdvs(6) + yyyyMMddHHmmss(14) + serial(10).
    pub fn refmsgid(&self, admdvs: &str) -> String {
        let (ms, n) = self.next();
        let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&chrono::Local);
        let a: String = admdvs.chars().chain(std::iter::repeat('0')).take(6).collect();
        format!("{a}{}{:010}", t.format("%Y%m%d%H%M%S"), u64::from(n) + (ms % 1000) as u64 * 100_000)
    }
}

/// `yyyyMMddHHmmssSSS`, as refmsg_time and respond_time are written.
pub fn stamp_ms() -> String {
    chrono::Local::now().format("%Y%m%d%H%M%S%3f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_ordered() {
        let g = IdGen::default();
        let ids: Vec<String> = (0..10_000).map(|_| g.id('S')).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        assert_eq!(sorted, ids);
        assert_eq!(g.refmsgid("999001").len(), 30);
        assert_eq!(stamp_ms().len(), 17);
    }
}
