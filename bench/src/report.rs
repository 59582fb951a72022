//! The one table the run prints, and the same as JSON.

use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// A measurement with no goal attached.
    Info,
    /// Not measured (a route is missing, or the scenario was not selected).
    Skip,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Info => "info",
            Verdict::Skip => "skip",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub metric: String,
    pub value: String,
    pub baseline: String,
    pub ratio: String,
    pub goal: String,
    pub verdict: Verdict,
    /// A correctness check: a FAIL here makes the run exit non-zero.
    pub correctness: bool,
    pub raw: Value,
}

#[derive(Default)]
pub struct Report {
    pub header: Vec<(String, String)>,
    pub rows: Vec<Row>,
    pub details: Vec<String>,
    pub extra: serde_json::Map<String, Value>,
}

/// `1234.5` → `1,235`; small numbers keep a decimal or two.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    if x.abs() >= 100.0 {
        let n = x.round() as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

impl Report {
    pub fn header(&mut self, key: &str, value: impl Into<String>) {
        self.header.push((key.to_owned(), value.into()));
    }

    pub fn detail(&mut self, line: impl Into<String>) {
        let line = line.into();
        eprintln!("  {line}");
        self.details.push(line);
    }

    fn push(&mut self, row: Row) {
        eprintln!(
            "  → {} = {} {} {} [{}]",
            row.metric,
            row.value,
            row.baseline,
            row.goal,
            row.verdict.as_str()
        );
        self.rows.push(row);
    }

    /// `value` against `factor × baseline`: higher is better.
    #[allow(clippy::too_many_arguments)]
    pub fn at_least_ratio(
        &mut self,
        metric: &str,
        value: f64,
        unit: &str,
        base_name: &str,
        base: f64,
        factor: f64,
    ) {
        let ratio = value / base;
        self.push(Row {
            metric: metric.into(),
            value: format!("{} {unit}", fmt_num(value)),
            baseline: format!("{base_name} {} {unit}", fmt_num(base)),
            ratio: format!("{ratio:.2}"),
            goal: format!("≥ {factor}× {base_name}"),
            verdict: if ratio >= factor {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            correctness: false,
            raw: json!({"value": value, "unit": unit, "baseline": base, "baseline_name": base_name, "ratio": ratio, "goal_ratio_min": factor}),
        });
    }

    /// `value` against `factor × baseline`: lower is better (times).
    pub fn at_most_ratio(
        &mut self,
        metric: &str,
        value: f64,
        unit: &str,
        base_name: &str,
        base: f64,
        factor: f64,
    ) {
        let ratio = value / base;
        self.push(Row {
            metric: metric.into(),
            value: format!("{} {unit}", fmt_num(value)),
            baseline: format!("{base_name} {} {unit}", fmt_num(base)),
            ratio: format!("{ratio:.2}"),
            goal: format!("≤ {factor}× {base_name}"),
            verdict: if ratio <= factor {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            correctness: false,
            raw: json!({"value": value, "unit": unit, "baseline": base, "baseline_name": base_name, "ratio": ratio, "goal_ratio_max": factor}),
        });
    }

    /// An absolute limit: `value ≤ limit` (or `≥` when `at_least`).
    pub fn limit(&mut self, metric: &str, value: f64, unit: &str, limit: f64, at_least: bool) {
        let ok = value.is_finite()
            && if at_least {
                value >= limit
            } else {
                value <= limit
            };
        self.push(Row {
            metric: metric.into(),
            value: format!("{} {unit}", fmt_num(value)),
            baseline: String::new(),
            ratio: String::new(),
            goal: format!(
                "{} {} {unit}",
                if at_least { "≥" } else { "≤" },
                fmt_num(limit)
            ),
            verdict: if ok { Verdict::Pass } else { Verdict::Fail },
            correctness: false,
            raw: json!({"value": value, "unit": unit, "limit": limit, "at_least": at_least}),
        });
    }

    /// A correctness check.
    pub fn check(&mut self, metric: &str, ok: bool, value: impl Into<String>, goal: &str) {
        let value = value.into();
        self.push(Row {
            metric: metric.into(),
            value: value.clone(),
            baseline: String::new(),
            ratio: String::new(),
            goal: goal.into(),
            verdict: if ok { Verdict::Pass } else { Verdict::Fail },
            correctness: true,
            raw: json!({"ok": ok, "value": value}),
        });
    }

    /// A goal that is a plain yes/no but not a correctness check.
    pub fn goal(&mut self, metric: &str, ok: bool, value: impl Into<String>, goal: &str) {
        let value = value.into();
        self.push(Row {
            metric: metric.into(),
            value: value.clone(),
            baseline: String::new(),
            ratio: String::new(),
            goal: goal.into(),
            verdict: if ok { Verdict::Pass } else { Verdict::Fail },
            correctness: false,
            raw: json!({"ok": ok, "value": value}),
        });
    }

    pub fn info(&mut self, metric: &str, value: impl Into<String>, baseline: impl Into<String>) {
        let value = value.into();
        self.push(Row {
            metric: metric.into(),
            value: value.clone(),
            baseline: baseline.into(),
            ratio: String::new(),
            goal: String::new(),
            verdict: Verdict::Info,
            correctness: false,
            raw: json!({"value": value}),
        });
    }

    pub fn skip(&mut self, metric: &str, why: &str) {
        self.push(Row {
            metric: metric.into(),
            value: why.into(),
            baseline: String::new(),
            ratio: String::new(),
            goal: String::new(),
            verdict: Verdict::Skip,
            correctness: false,
            raw: json!({"skipped": why}),
        });
    }

    /// Adds to the value of the last row (e.g. a latency next to a rate).
    pub fn annotate_last(&mut self, note: &str) {
        if let Some(r) = self.rows.last_mut() {
            r.value.push_str(note);
            r.raw["note"] = json!(note.trim_start_matches([' ', '·']));
        }
    }

    pub fn correctness_failed(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.correctness && r.verdict == Verdict::Fail)
    }

    pub fn goals_failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| !r.correctness && r.verdict == Verdict::Fail)
            .count()
    }

    /// The table, as Markdown (it pastes into the README as it is).
    pub fn table(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.header {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push('\n');
        let head = ["metric", "value", "baseline", "ratio", "goal", "result"];
        let cells: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.metric.clone(),
                    r.value.clone(),
                    r.baseline.clone(),
                    r.ratio.clone(),
                    r.goal.clone(),
                    r.verdict.as_str().to_owned(),
                ]
            })
            .collect();
        let mut width = head.map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in width.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |row: &[String]| {
            let mut s = String::from("|");
            for (c, w) in row.iter().zip(width) {
                s.push(' ');
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.chars().count()));
                s.push_str(" |");
            }
            s.push('\n');
            s
        };
        out.push_str(&line(&head.map(String::from)));
        let mut sep = String::from("|");
        for w in width {
            sep.push_str(&"-".repeat(w + 2));
            sep.push('|');
        }
        out.push_str(&sep);
        out.push('\n');
        for row in &cells {
            out.push_str(&line(row));
        }
        out
    }

    pub fn to_json(&self) -> Value {
        json!({
            "header": self.header.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "rows": self.rows.iter().map(|r| json!({
                "metric": r.metric, "value": r.value, "baseline": r.baseline, "ratio": r.ratio,
                "goal": r.goal, "result": r.verdict.as_str(), "correctness": r.correctness, "raw": r.raw,
            })).collect::<Vec<_>>(),
            "details": self.details,
            "extra": self.extra,
        })
    }
}
