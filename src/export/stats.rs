//! The statistics workbook (`stats.xlsx`): what the organiser's statistics
//! screen shows, one sheet a table, for an organiser who works in Excel.

use super::xlsx::write_text;
use crate::store::stats::Stats;
use anyhow::Context as _;
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet};
use std::collections::HashMap;

/// One cell of a statistics table.
enum V<'a> {
    T(&'a str),
    N(f64),
}

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    int: Format,
    percent: Format,
    run: Format,
}

/// A sheet: the title in A1, the headers on row 3, a row per item below,
/// the header frozen, columns sized to their content.
fn table(
    book: &mut Workbook,
    f: &Formats,
    name: &str,
    title: &str,
    headers: &[&str],
    rows: &[Vec<V<'_>>],
    percent_col: Option<u16>,
) -> anyhow::Result<()> {
    let sheet: &mut Worksheet = book.add_worksheet();
    sheet.set_name(name)?;
    write_text(sheet, 0, 0, title, &f.title, &f.run)?;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (col, h) in (0u16..).zip(headers) {
        sheet.write_string_with_format(2, col, *h, &f.header)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 3).context("too many rows")?;
        for (col, v) in (0u16..).zip(row) {
            match v {
                V::T(t) => {
                    write_text(sheet, r, col, t, &f.text, &f.run)?;
                    widths[usize::from(col)] = widths[usize::from(col)].max(t.chars().count());
                }
                V::N(n) => {
                    let fmt = if Some(col) == percent_col {
                        &f.percent
                    } else {
                        &f.int
                    };
                    sheet.write_number_with_format(r, col, *n, fmt)?;
                }
            }
        }
    }
    for (col, w) in (0u16..).zip(widths) {
        sheet.set_column_width(col, u32::try_from(w.clamp(8, 80)).unwrap_or(80) + 2)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    Ok(())
}

/// The workbook: Tổng quan, Theo ngày, Theo tỉnh, Theo xã, Điểm, Câu hỏi.
pub fn stats_xlsx(
    title: &str,
    s: &Stats,
    texts: &HashMap<String, String>,
) -> anyhow::Result<Vec<u8>> {
    let f = Formats {
        title: Format::new().set_bold().set_font_size(14),
        header: Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_border(FormatBorder::Thin),
        text: Format::new().set_num_format("@"),
        int: Format::new().set_num_format("#,##0"),
        percent: Format::new().set_num_format("0.0%"),
        run: Format::new(),
    };
    let mut book = Workbook::new();
    let n = |x: i64| V::N(x as f64);
    table(
        &mut book,
        &f,
        "Tổng quan",
        title,
        &["Người tham gia", "Lượt thi", "Bài đã nộp"],
        &[vec![n(s.participants), n(s.attempts), n(s.submitted)]],
        None,
    )?;
    let days: Vec<Vec<V>> = s
        .by_day
        .iter()
        .map(|d| vec![V::T(&d.day), n(d.participants), n(d.attempts)])
        .collect();
    table(
        &mut book,
        &f,
        "Theo ngày",
        title,
        &["Ngày", "Người tham gia", "Lượt thi"],
        &days,
        None,
    )?;
    let provinces: Vec<Vec<V>> = s
        .by_province
        .iter()
        .map(|p| {
            vec![
                V::T(p.province_code.as_deref().unwrap_or("")),
                V::T(&p.province),
                n(p.participants),
                n(p.attempts),
            ]
        })
        .collect();
    table(
        &mut book,
        &f,
        "Theo tỉnh",
        title,
        &["Mã tỉnh", "Tỉnh/Thành phố", "Người tham gia", "Lượt thi"],
        &provinces,
        None,
    )?;
    let places: Vec<Vec<V>> = s
        .by_place
        .iter()
        .map(|p| {
            vec![
                V::T(p.province_code.as_deref().unwrap_or("")),
                V::T(&p.province),
                V::T(p.commune_code.as_deref().unwrap_or("")),
                V::T(&p.commune),
                V::T(p.district.as_deref().unwrap_or("")),
                n(p.participants),
                n(p.attempts),
            ]
        })
        .collect();
    table(
        &mut book,
        &f,
        "Theo xã",
        title,
        &[
            "Mã tỉnh",
            "Tỉnh/Thành phố",
            "Mã xã",
            "Xã/Phường/Đặc khu",
            "Quận/Huyện (địa chỉ cũ)",
            "Người tham gia",
            "Lượt thi",
        ],
        &places,
        None,
    )?;
    let scores: Vec<Vec<V>> = s
        .score_histogram
        .iter()
        .map(|b| vec![n(b.score), n(b.attempts)])
        .collect();
    table(
        &mut book,
        &f,
        "Điểm",
        title,
        &["Số câu đúng", "Số bài"],
        &scores,
        None,
    )?;
    let questions: Vec<Vec<V>> = s
        .questions
        .iter()
        .map(|q| {
            vec![
                V::T(texts.get(&q.question_id).map_or("", String::as_str)),
                n(q.answered),
                n(q.correct),
                V::N(q.correct_rate),
            ]
        })
        .collect();
    table(
        &mut book,
        &f,
        "Câu hỏi",
        title,
        &["Câu hỏi", "Lượt trả lời", "Trả lời đúng", "Tỉ lệ đúng"],
        &questions,
        Some(3),
    )?;
    Ok(book.save_to_buffer()?)
}
