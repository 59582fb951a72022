use super::*;
use crate::domain::question::{import_aiken, import_csv};
use proptest::prelude::*;

/// What Excel's plain "CSV (Comma delimited)" writes on a Vietnamese Windows:
/// the text in Windows-1258. encoding_rs's encoder (as the WHATWG one) maps
/// characters one by one and the code page lacks most toned letters, so each
/// letter it cannot hold is first split, as Windows does, into the letter
/// without its tone and the tone as a combining mark ("ế" → "ê" + U+0301).
fn windows_1258(text: &str) -> Vec<u8> {
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let mut split = String::new();
    for c in text.chars() {
        let (_, _, unmappable) = WINDOWS_1258.encode(c.encode_utf8(&mut [0; 4]));
        if unmappable {
            let marks: String = std::iter::once(c).nfd().collect();
            let tone = marks.chars().find(|m| TONES.contains(m));
            let base: String = marks.chars().filter(|m| Some(*m) != tone).nfc().collect();
            split.push_str(&base);
            split.extend(tone);
        } else {
            split.push(c);
        }
    }
    let (bytes, used, unmappable) = WINDOWS_1258.encode(&split);
    assert_eq!(used, WINDOWS_1258);
    assert!(!unmappable, "{text:?} has letters Windows-1258 cannot hold");
    bytes.into_owned()
}

const BANK: &str = "question,a,b,c,d,answer,category\r\n\
    Sếu đầu đỏ sống ở đâu?,Tràm Chim,Cúc Phương,Bạch Mã,Cát Tiên,A,Chim nước\r\n\
    Ảnh hưởng của mùa lũ?,Ít,Vừa,Nhiều,Rất nhiều,D,Thủy văn\r\n";

#[test]
fn utf8_is_read_as_utf8_with_or_without_bom() {
    for bytes in [
        BANK.as_bytes().to_vec(),
        [UTF8_BOM, BANK.as_bytes()].concat(),
    ] {
        let decoded = decode(&bytes, FileKind::Csv).unwrap();
        assert_eq!(decoded.encoding, SourceEncoding::Utf8);
        assert_eq!(decoded.text, BANK);
    }
}

#[test]
fn windows_1258_from_the_encoder_reads_back_as_the_nfc_text() {
    let bytes = windows_1258(BANK);
    // The tone of "ế" is a separate byte after "ê": not UTF-8, nor NFC once decoded.
    assert!(std::str::from_utf8(&bytes).is_err());
    assert!(bytes.windows(2).any(|w| w == [0xEA, 0xEC]), "{bytes:x?}");
    let decoded = decode(&bytes, FileKind::Csv).unwrap();
    assert_eq!(decoded.encoding, SourceEncoding::Windows1258);
    assert_eq!(decoded.text, BANK);

    let import = import_csv(&bytes).unwrap();
    assert_eq!(import.encoding, SourceEncoding::Windows1258);
    assert_eq!(import.questions.len(), 2);
    let first = &import.questions[0];
    assert_eq!(first.text(), "Sếu đầu đỏ sống ở đâu?");
    assert_eq!(first.options()[0], "Tràm Chim");
    assert_eq!(first.options()[1], "Cúc Phương");
    assert_eq!(first.category(), Some("Chim nước"));
    assert_eq!(import.questions[1].text(), "Ảnh hưởng của mùa lũ?");
    assert_eq!(import.questions[1].category(), Some("Thủy văn"));
}

/// Written by hand from the Windows-1258 table: 0xCC grave (U+0300), 0xEC acute
/// (U+0301), 0xD2 hook above (U+0309), 0xDE tilde (U+0303), 0xF2 dot below
/// (U+0323); 0xEA ê, 0xF0 đ, 0xE2 â, 0xE3 ă, 0xF5 ơ, 0xFD ư, 0xD0 Đ, 0xF4 ô.
#[test]
fn hand_written_combining_marks_compose_to_nfc() {
    let bytes: &[u8] = b"question,a,b,c,d,answer\r\n\
        S\xEA\xECu \xF0\xE2\xCCu \xF0o\xD2?,\
        Ng\xE3\xF2,\
        Ng\xFD\xF5\xCCi,\
        L\xFD\xDE,\
        \xD0\xF4\xCCng Th\xE1p,\
        a\r\n";
    let import = import_csv(bytes).unwrap();
    assert_eq!(import.encoding, SourceEncoding::Windows1258);
    let q = &import.questions[0];
    assert_eq!(q.text(), "Sếu đầu đỏ?");
    assert_eq!(q.text(), "S\u{1EBF}u \u{111}\u{1EA7}u \u{111}\u{1ECF}?");
    assert_eq!(q.options(), ["Ngặ", "Người", "Lữ", "Đồng Tháp"]);
    assert!(
        q.options()
            .iter()
            .all(|o| o.chars().all(|c| !is_combining_mark(c)))
    );
}

#[test]
fn decomposed_utf8_is_composed_too() {
    let decomposed = "question,a,b,c,d,answer\nSe\u{302}\u{301}u?,A\u{300},Be\u{323},C,D,A\n";
    let import = import_csv(decomposed.as_bytes()).unwrap();
    assert_eq!(import.encoding, SourceEncoding::Utf8);
    assert_eq!(import.questions[0].text(), "Sếu?");
    assert_eq!(import.questions[0].options()[..2], ["À", "Bẹ"]);
}

#[test]
fn the_same_letter_in_two_forms_is_one_option() {
    let utf8 = "question,a,b,c,d,answer\nChim?,Se\u{302}\u{301}u,Sếu,C,D,A\n";
    let errors = import_csv(utf8.as_bytes()).unwrap_err();
    assert_eq!(errors[0].column.as_deref(), Some("b"), "{errors:?}");
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("repeats option A"),
        "{errors:?}"
    );
}

#[test]
fn bytes_windows_1258_leaves_undefined_are_refused_with_advice() {
    let bytes = b"question,a,b,c,d,answer\r\nC\xE2u h\xF4i?,a,b,c,d,A\r\n\x81\x8D\x8E\x8F\x90,a,b,c,d,A\r\n";
    let error = decode(bytes, FileKind::Csv).unwrap_err();
    assert_eq!((error.row, error.column.as_deref()), (3, None));
    assert!(
        error
            .reason
            .get(crate::domain::Lang::En)
            .contains("encoding could not be read"),
        "{error:?}"
    );
    assert!(
        error
            .reason
            .get(crate::domain::Lang::En)
            .contains("CSV UTF-8 (Comma delimited)"),
        "{error:?}"
    );
    assert!(import_csv(bytes).is_err());
}

#[test]
fn tone_marks_away_from_a_vowel_are_refused() {
    // After a space, after a digit, and a second tone on a toned vowel.
    for bytes in [
        &b"question\r\n\xA0 \xEC"[..],
        b"question\r\n1\xCC",
        b"question\r\n\xE0\xEC",
    ] {
        let error = decode(bytes, FileKind::Csv).unwrap_err();
        assert_eq!(error.row, 2, "{bytes:x?}");
    }
}

#[test]
fn utf16_is_refused_with_advice() {
    let text = "question,a,b,c,d,answer\r\nSếu?,a,b,c,d,A\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [
        [&[0xFF, 0xFE][..], &le].concat(),
        [&[0xFE, 0xFF][..], &be].concat(),
    ] {
        let error = decode(&bytes, FileKind::Csv).unwrap_err();
        assert!(
            error.reason.get(crate::domain::Lang::En).contains("UTF-16"),
            "{error:?}"
        );
        assert!(
            error
                .reason
                .get(crate::domain::Lang::En)
                .contains("CSV UTF-8"),
            "{error:?}"
        );
    }
    // Without a BOM the NUL bytes give it away.
    let error = decode(&le, FileKind::Csv).unwrap_err();
    assert!(
        error
            .reason
            .get(crate::domain::Lang::En)
            .contains("encoding could not be read"),
        "{error:?}"
    );
}

#[test]
fn a_utf8_bom_before_other_bytes_is_refused() {
    let bytes = [UTF8_BOM, b"question\r\nC\xE2u h\xF4i?\r\n"].concat();
    let error = decode(&bytes, FileKind::Csv).unwrap_err();
    assert_eq!(error.row, 2);
    assert!(
        error
            .reason
            .get(crate::domain::Lang::En)
            .contains("starts as UTF-8"),
        "{error:?}"
    );
}

#[test]
fn text_already_mangled_into_replacement_characters_is_refused() {
    let mangled = "question,a,b,c,d,answer\nS\u{FFFD}u \u{FFFD}\u{FFFD}u \u{FFFD}o?,a,b,c,d,A\n";
    let errors = import_csv(mangled.as_bytes()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, 2);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("U+FFFD"),
        "{errors:?}"
    );
}

#[test]
fn aiken_reads_windows_1258_and_advises_notepad() {
    let aiken = "Sếu đầu đỏ làm tổ ở đâu?\r\nA. Campuchia\r\nB. Nhật Bản\r\nANSWER: A\r\n";
    let import = import_aiken(&windows_1258(aiken)).unwrap();
    assert_eq!(import.encoding, SourceEncoding::Windows1258);
    assert_eq!(import.questions[0].text(), "Sếu đầu đỏ làm tổ ở đâu?");
    assert_eq!(import.questions[0].options()[1], "Nhật Bản");

    let errors = import_aiken(b"C\xE2u?\r\nA. \x81\r\nB. b\r\nANSWER: A\r\n").unwrap_err();
    assert_eq!(errors[0].row, 2);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("Notepad"),
        "{errors:?}"
    );
}

#[test]
fn line_numbers_count_every_kind_of_line_end() {
    assert_eq!(line_of(b""), 1);
    assert_eq!(line_of(b"a\r\nb\nc\rd"), 4);
    assert_eq!(line_of(b"a\r"), 2);
}

proptest! {
    /// Any Vietnamese text Windows-1258 can hold comes back exactly, in NFC.
    #[test]
    fn windows_1258_round_trips_vietnamese_text(
        words in proptest::collection::vec(proptest::sample::select(vec![
            "Sếu", "đầu", "đỏ", "Đồng", "Tháp", "người", "ở", "lũ", "Ảnh", "hưởng",
            "Ỵ", "quỹ", "Phạm", "Nguyễn", "ặ", "ừ", "Ờ", "ý", "1,5", "\"x\"",
        ]), 1..20),
    ) {
        let text = words.join(" ");
        // One non-ASCII letter at least, else the bytes are UTF-8 too.
        let bytes = windows_1258(&format!("ơ {text}"));
        let decoded = decode(&bytes, FileKind::Csv).unwrap();
        prop_assert_eq!(decoded.encoding, SourceEncoding::Windows1258);
        prop_assert_eq!(decoded.text, format!("ơ {text}"));
    }

    /// Whatever the bytes, decoding either refuses them or gives NFC text.
    #[test]
    fn any_bytes_are_refused_or_nfc(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(decoded) = decode(&bytes, FileKind::Csv) {
            prop_assert!(unicode_normalization::is_nfc(&decoded.text));
        }
    }
}
