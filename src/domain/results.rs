//! The canonical form of a ranking and its SHA-256 digest: what finalization
//! freezes, and what `crane results verify` recomputes from the stored attempts.
//!
//! Canonical form (UTF-8, one record per line, `\n` after every line, fields
//! separated by `|`, absent values as the empty string):
//!
//! ```text
//! crane-results-v1|<contest id>|<draw seed>|<actual figure>
//! rank|<rank>|<user id>|<attempt id>|<score>|<question count>|<prediction>|<prediction error>|<duration ms>|<submitted at ms>|<decided by>|<prize index>
//! …one line per ranked row, by rank…
//! ineligible|<user id>|<reason>|<attempt id>|<score>
//! …one line per ineligible participant, in ranking order…
//! ```
//!
//! Every field is a number, an id (UUID text), a fixed keyword or the hex draw
//! seed, so no field can contain `|` or a newline.

use super::account::Address;
use super::ranking::{RankedRow, Ranking};
use sha2::{Digest, Sha256};
use std::fmt::{Display, Write};

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Who a ranked row is, as the prize list prints them.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub full_name: String,
    pub phone: String,
    pub national_id: Option<String>,
    pub date_of_birth: Option<String>,
    pub address: Address,
}

/// A row of a stored ranking with the person it ranks: the one type the
/// results view, the public winners, the exports and verification read.
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    pub row: RankedRow,
    pub person: Person,
}

/// The canonical form, written line by line to `out`.
fn write_canonical<I: Display>(
    out: &mut impl Write,
    contest_id: &str,
    draw_seed: &str,
    ranking: &Ranking<I>,
) -> std::fmt::Result {
    writeln!(
        out,
        "crane-results-v1|{contest_id}|{draw_seed}|{}",
        ranking.actual_figure
    )?;
    for r in &ranking.rows {
        writeln!(
            out,
            "rank|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            r.rank,
            r.user_id,
            r.attempt_id,
            r.score,
            r.question_count,
            opt(r.prediction),
            opt(r.prediction_error),
            r.duration_ms,
            r.submitted_at_ms,
            r.decided_by.map(|d| d.as_str()).unwrap_or(""),
            opt(r.prize),
        )?;
    }
    for i in &ranking.ineligible {
        writeln!(
            out,
            "ineligible|{}|{}|{}|{}",
            i.user_id,
            i.reason.as_str(),
            i.attempt_id,
            i.score
        )?;
    }
    Ok(())
}

pub fn canonical_form<I: Display>(
    contest_id: &str,
    draw_seed: &str,
    ranking: &Ranking<I>,
) -> String {
    let mut out = String::with_capacity(64 + ranking.rows.len() * 160);
    let _ = write_canonical(&mut out, contest_id, draw_seed, ranking);
    out
}

/// Feeds what is written into a SHA-256, so the digest of a 430,000-row
/// ranking never holds its 70 MB canonical form.
struct Hashing(Sha256);

impl Write for Hashing {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// Hex SHA-256 of the canonical form.
pub fn digest<I: Display>(contest_id: &str, draw_seed: &str, ranking: &Ranking<I>) -> String {
    let mut hashing = Hashing(Sha256::new());
    let _ = write_canonical(&mut hashing, contest_id, draw_seed, ranking);
    hex::encode(hashing.0.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ranking::{DecidedBy, Ineligibility, IneligibleRow, RankedRow};

    fn ranking() -> Ranking {
        Ranking {
            actual_figure: 3,
            rows: vec![RankedRow {
                rank: 1,
                user_id: "u1".into(),
                attempt_id: "a1".into(),
                score: 20,
                question_count: 20,
                prediction: Some(4),
                prediction_error: Some(1),
                duration_ms: 1000,
                submitted_at_ms: 5000,
                decided_by: None,
                prize: Some(0),
            }],
            ineligible: vec![IneligibleRow {
                user_id: "u2".into(),
                reason: Ineligibility::Staff,
                attempt_id: "a2".into(),
                score: 20,
            }],
        }
    }

    #[test]
    fn the_canonical_form_is_as_documented() {
        assert_eq!(
            canonical_form("c", "ab", &ranking()),
            "crane-results-v1|c|ab|3\nrank|1|u1|a1|20|20|4|1|1000|5000||0\ningeligible|u2|staff|a2|20\n".replace("ingeligible", "ineligible")
        );
    }

    #[test]
    fn the_digest_is_the_sha256_of_the_canonical_form_and_alike_for_uuid_ids() {
        let text = canonical_form("c", "ab", &ranking());
        assert_eq!(
            digest("c", "ab", &ranking()),
            hex::encode(Sha256::digest(text.as_bytes()))
        );
        // The same ranking held with 16-byte ids digests alike.
        let (u1, a1) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let mut as_text = ranking();
        as_text.ineligible.clear();
        as_text.rows[0].user_id = u1.to_string();
        as_text.rows[0].attempt_id = a1.to_string();
        let r = &as_text.rows[0];
        let as_uuid = Ranking {
            actual_figure: as_text.actual_figure,
            rows: vec![RankedRow {
                rank: r.rank,
                user_id: u1,
                attempt_id: a1,
                score: r.score,
                question_count: r.question_count,
                prediction: r.prediction,
                prediction_error: r.prediction_error,
                duration_ms: r.duration_ms,
                submitted_at_ms: r.submitted_at_ms,
                decided_by: r.decided_by,
                prize: r.prize,
            }],
            ineligible: vec![],
        };
        assert_eq!(digest("c", "ab", &as_uuid), digest("c", "ab", &as_text));
    }

    #[test]
    fn any_change_changes_the_digest() {
        let base = digest("c", "ab", &ranking());
        assert_eq!(base.len(), 64);
        let mut r = ranking();
        r.rows[0].duration_ms += 1;
        assert_ne!(digest("c", "ab", &r), base);
        let mut r = ranking();
        r.rows[0].decided_by = Some(DecidedBy::Draw);
        assert_ne!(digest("c", "ab", &r), base);
        assert_ne!(digest("c", "ac", &ranking()), base);
    }
}
