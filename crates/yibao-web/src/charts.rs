//! Small server-side SVG charts (no script, no third-party code): grouped bars and lines over categories, and
//! horizontal bars. Values are integers (fen or counts); labels are escaped.

use crate::ui::esc;

const COLORS: [&str; 8] = ["#0b5cad", "#e07b00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a"];

pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// A round axis maximum at or above `v`.
fn nice_max(v: i64) -> i64 {
    if v <= 4 {
        return 4;
    }
    let mut step = 1i64;
    while step * 10 <= v {
        step *= 10;
    }
    for m in [1, 2, 5, 10] {
        if step * m >= v {
            return step * m;
        }
    }
    step * 10
}

fn legend(series: &[Series], y: i64) -> String {
    let mut s = String::new();
    let mut x = 60;
    for (i, se) in series.iter().enumerate() {
        s.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            y - 10,
            COLORS[i % COLORS.len()],
            x + 16,
            y,
            esc(&se.name)
        ));
        x += 28 + 13 * se.name.chars().count() as i64;
    }
    s
}

/// `fmt` turns an axis value into its label (e.g. fen → 万元).
fn frame(w: i64, h: i64, max: i64, fmt: &dyn Fn(i64) -> String, title: &str) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for i in 0..=4 {
        let y = 20 + (h - 70) * i / 4;
        let v = max - max * i / 4;
        s.push_str(&format!(
            "<line x1=\"60\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e3e8ed\"/><text x=\"56\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            w - 10,
            y + 4,
            esc(&fmt(v))
        ));
    }
    s
}

/// Grouped bars: one group per label, one bar per series.
pub fn bars(title: &str, labels: &[String], series: &[Series], fmt: &dyn Fn(i64) -> String) -> String {
    let (w, h) = (640i64, 280i64);
    let max = nice_max(series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0));
    let mut s = frame(w, h, max, fmt, title);
    let n = labels.len().max(1) as i64;
    let group = (w - 70) / n;
    let bw = ((group - 6) / series.len().max(1) as i64).max(2);
    let plot_h = h - 70;
    for (gi, label) in labels.iter().enumerate() {
        let gx = 62 + group * gi as i64;
        for (si, se) in series.iter().enumerate() {
            let v = se.values.get(gi).copied().unwrap_or(0).max(0);
            let bh = plot_h * v / max;
            s.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{bw}\" height=\"{bh}\" fill=\"{}\"><title>{} {}：{}</title></rect>",
                gx + bw * si as i64,
                20 + plot_h - bh,
                COLORS[si % COLORS.len()],
                esc(label),
                esc(&se.name),
                esc(&fmt(v))
            ));
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            gx + group / 2 - 3,
            h - 34,
            esc(label)
        ));
    }
    s.push_str(&legend(series, h - 8));
    s.push_str("</svg>");
    s
}

/// Lines over categories (a trend).
pub fn lines(title: &str, labels: &[String], series: &[Series], fmt: &dyn Fn(i64) -> String) -> String {
    let (w, h) = (640i64, 280i64);
    let max = nice_max(series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0));
    let mut s = frame(w, h, max, fmt, title);
    let n = labels.len().max(2) as i64;
    let plot_h = h - 70;
    let x = |i: usize| 70 + (w - 90) * i as i64 / (n - 1);
    for (si, se) in series.iter().enumerate() {
        let pts: Vec<String> = se
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", x(i), 20 + plot_h - plot_h * (*v).max(0) / max))
            .collect();
        let color = COLORS[si % COLORS.len()];
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            pts.join(" ")
        ));
        for (p, v) in pts.iter().zip(&se.values) {
            let (cx, cy) = p.split_once(',').unwrap_or(("0", "0"));
            s.push_str(&format!(
                "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"3\" fill=\"{color}\"><title>{}：{}</title></circle>",
                esc(&se.name),
                esc(&fmt(*v))
            ));
        }
    }
    for (i, label) in labels.iter().enumerate() {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x(i),
            h - 34,
            esc(label)
        ));
    }
    s.push_str(&legend(series, h - 8));
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_scale_and_escape() {
        assert_eq!(nice_max(0), 4);
        assert_eq!(nice_max(3), 4);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(1234), 2000);
        assert_eq!(nice_max(5000), 5000);
        let svg = bars("t", &["<a>".into()], &[Series { name: "x&y".into(), values: vec![5] }], &|v| v.to_string());
        assert!(svg.contains("&lt;a&gt;") && svg.contains("x&amp;y") && svg.starts_with("<svg"));
        let l = lines("t", &["1".into(), "2".into()], &[Series { name: "s".into(), values: vec![1, 2] }], &|v| {
            v.to_string()
        });
        assert!(l.contains("polyline"));
    }
}
