//! Identifiers the platform issues (就诊ID, 结算ID, 接收方报文ID), unique across restarts without a database sequence.

use std::sync::Mutex;

/// Issues ids from the clock in milliseconds, this gateway instance's node number, and a counter within the
/// millisecond, never going backwards. Two instances on one ledger have different node numbers
/// ([`crate::Gateway::claim_node`]), so their ids never collide.
#[derive(Default)]
pub struct IdGen {
    last: Mutex<(i64, u32)>,
    node: std::sync::atomic::AtomicU8,
}

impl IdGen {
    /// Sets the node number (0–99).
    pub fn set_node(&self, node: u8) {
        self.node.store(node % 100, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn node(&self) -> u8 {
        self.node.load(std::sync::atomic::Ordering::Relaxed)
    }

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

    /// A 21-character id: a letter, 13 digits of milliseconds, 2 of node, 5 of sequence
    /// ("M" + "1732345678901" + "03" + "00001"). Ids sort in the order they were issued.
    pub fn id(&self, prefix: char) -> String {
        let (ms, n) = self.next();
        format!("{prefix}{ms:013}{:02}{n:05}", self.node())
    }

    /// 接收方报文ID: admdvs(6) + yyyyMMddHHmmss(14) + serial(10).
    pub fn refmsgid(&self, admdvs: &str) -> String {
        let (ms, n) = self.next();
        let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&chrono::Local);
        let a: String = admdvs.chars().chain(std::iter::repeat('0')).take(6).collect();
        let serial = (ms % 1000) as u64 * 10_000_000 + u64::from(self.node()) * 100_000 + u64::from(n);
        format!("{a}{}{serial:010}", t.format("%Y%m%d%H%M%S"))
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

    #[test]
    fn two_nodes_never_issue_the_same_id() {
        let (a, b) = (IdGen::default(), IdGen::default());
        a.set_node(1);
        b.set_node(2);
        let mut all: Vec<String> =
            (0..5_000).flat_map(|_| [a.id('M'), b.id('M'), a.refmsgid("9"), b.refmsgid("9")]).collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
        assert_eq!(a.id('S').len(), 21);
    }
}
