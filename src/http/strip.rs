//! Comments out of the web app's scripts and style sheets as they are served.
//!
//! The app has no build step and its sources are commented for the people who
//! maintain it; phones should not download those comments (a sixth of the
//! compressed citizen flow). Only comments go: every line stays where it was
//! (a comment's lines become empty), so a reported line number still points
//! at the source. The scanner knows strings, template literals (with `${…}`)
//! and regular expression literals, so a `//` inside any of them is kept.

/// A script without its comments.
pub fn js(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    // Template literals may nest through `${ … }`: the brace depth at which
    // each open template resumes.
    let mut templates: Vec<usize> = Vec::new();
    let mut braces = 0usize;
    // The last byte of code that was not white space: decides whether `/`
    // starts a regular expression or divides.
    let mut last: u8 = b'\n';
    let mut last_word = String::new();
    let in_template = |templates: &Vec<usize>, braces: usize| templates.last() == Some(&braces);
    while i < b.len() {
        let c = b[i];
        if in_template(&templates, braces) {
            // Inside a template literal's text.
            match c {
                b'\\' => {
                    out.extend_from_slice(&b[i..(i + 2).min(b.len())]);
                    i += 2;
                }
                b'`' => {
                    templates.pop();
                    out.push(c);
                    i += 1;
                    last = b'`';
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    out.extend_from_slice(b"${");
                    braces += 1;
                    i += 2;
                    last = b'{';
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
            continue;
        }
        match c {
            b'\'' | b'"' => {
                let end = string_end(b, i, c);
                out.extend_from_slice(&b[i..end]);
                i = end;
                last = c;
                last_word.clear();
            }
            b'`' => {
                templates.push(braces);
                out.push(c);
                i += 1;
            }
            b'{' => {
                braces += 1;
                out.push(c);
                i += 1;
                last = c;
                last_word.clear();
            }
            b'}' => {
                braces = braces.saturating_sub(1);
                out.push(c);
                i += 1;
                last = c;
                last_word.clear();
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p);
                trim_line_end(&mut out);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = b[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(b.len(), |p| i + 2 + p + 2);
                let newlines = b[i..end].iter().filter(|&&x| x == b'\n').count();
                if newlines == 0 {
                    // A comment inside a line: keep the tokens apart.
                    out.push(b' ');
                } else {
                    trim_line_end(&mut out);
                    out.extend(std::iter::repeat_n(b'\n', newlines));
                }
                i = end;
            }
            b'/' if regex_may_start(last, &last_word) => {
                let end = regex_end(b, i);
                out.extend_from_slice(&b[i..end]);
                i = end;
                last = b'/';
                last_word.clear();
            }
            _ => {
                out.push(c);
                i += 1;
                if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' {
                    if !(last.is_ascii_alphanumeric() || last == b'_' || last == b'$') {
                        last_word.clear();
                    }
                    last_word.push(c as char);
                    last = c;
                } else if !c.is_ascii_whitespace() {
                    last = c;
                    last_word.clear();
                }
            }
        }
    }
    // Only whole bytes of the source were copied, so this is UTF-8 again.
    String::from_utf8(out).unwrap_or_else(|_| src.to_owned())
}

/// Drops the spaces left before a removed comment on its line.
fn trim_line_end(out: &mut Vec<u8>) {
    while matches!(out.last(), Some(b' ' | b'\t')) {
        out.pop();
    }
}

/// The index just past a quoted string starting at `start`.
fn string_end(b: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            x if x == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// After these a `/` begins a regular expression, not a division.
fn regex_may_start(last: u8, word: &str) -> bool {
    if !word.is_empty() {
        return matches!(
            word,
            "return"
                | "typeof"
                | "instanceof"
                | "in"
                | "of"
                | "new"
                | "delete"
                | "void"
                | "throw"
                | "case"
                | "do"
                | "else"
                | "yield"
                | "await"
        );
    }
    matches!(
        last,
        b'(' | b','
            | b'='
            | b':'
            | b'['
            | b'!'
            | b'&'
            | b'|'
            | b'?'
            | b'{'
            | b'}'
            | b';'
            | b'+'
            | b'-'
            | b'*'
            | b'%'
            | b'<'
            | b'>'
            | b'~'
            | b'^'
            | b'\n'
    )
}

/// The index just past a regular expression literal (and its flags).
fn regex_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    let mut class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b'[' => {
                class = true;
                i += 1;
            }
            b']' => {
                class = false;
                i += 1;
            }
            b'/' if !class => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return i;
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// A style sheet without its comments (lines kept, as for scripts).
pub fn css(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                let end = string_end(b, i, q);
                out.extend_from_slice(&b[i..end]);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = b[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(b.len(), |p| i + 2 + p + 2);
                let newlines = b[i..end].iter().filter(|&&x| x == b'\n').count();
                trim_line_end(&mut out);
                out.extend(std::iter::repeat_n(b'\n', newlines));
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| src.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_and_lines_stay() {
        let src = "// head\nconst a = 1; // trailing\n/**\n * doc\n */\nfunction f() { return a /* x */ + 1; }\n";
        let out = js(src);
        assert_eq!(
            out,
            "\nconst a = 1;\n\n\n\nfunction f() { return a   + 1; }\n"
        );
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn strings_templates_and_regexes_keep_their_slashes() {
        let src = r#"const u = 'http://x/y'; const v = "a // b";
const t = `line // not a comment
${n /* c */ + 1} and ${`inner // kept ${'//'}`} end // after`;
const r = s.replace(/\/+$/, '') || '/'; // gone
const q = /["'`]\/\//g.test(x) ? 1 : 2 / 3 / 4;
"#;
        let out = js(src);
        assert!(out.contains("'http://x/y'"));
        assert!(out.contains("\"a // b\""));
        assert!(
            out.contains(
                "`line // not a comment\n${n   + 1} and ${`inner // kept ${'//'}`} end // after`;"
            ),
            "{out}"
        );
        assert!(out.contains("s.replace(/\\/+$/, '') || '/';\n"), "{out}");
        assert!(!out.contains("gone"));
        assert!(
            out.contains(r#"/["'`]\/\//g.test(x) ? 1 : 2 / 3 / 4;"#),
            "{out}"
        );
    }

    #[test]
    fn css_comments_go_but_not_inside_strings() {
        let src = "/* head */\na { content: \"/* kept */\"; } /* tail\n two */\nb{}\n";
        let out = css(src);
        assert_eq!(out, "\na { content: \"/* kept */\"; }\n\nb{}\n");
    }

    #[test]
    fn every_file_of_the_app_keeps_its_lines_and_still_parses() {
        // The shipped scripts: stripping never eats code (checked crudely:
        // every line that had code before still has code after).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend");
        let mut files = vec![];
        for entry in std::fs::read_dir(&dir)
            .unwrap()
            .chain(std::fs::read_dir(dir.join("screens")).unwrap())
        {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "js") {
                files.push(p);
            }
        }
        assert!(files.len() > 20);
        let tmp = tempfile::tempdir().unwrap();
        for p in files {
            let src = std::fs::read_to_string(&p).unwrap();
            let out = js(&src);
            // Node.js parses what is served as a module, or it fails here.
            let copy = tmp
                .path()
                .join(p.file_name().unwrap())
                .with_extension("mjs");
            std::fs::write(&copy, &out).unwrap();
            let check = std::process::Command::new("node")
                .arg("--check")
                .arg(&copy)
                .output()
                .expect("node (Node.js) checks the served scripts");
            assert!(
                check.status.success(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&check.stderr)
            );
            assert_eq!(out.lines().count(), src.lines().count(), "{}", p.display());
            for (a, b) in src.lines().zip(out.lines()) {
                let code = a.trim();
                if !code.is_empty()
                    && !code.starts_with("//")
                    && !code.starts_with("/*")
                    && !code.starts_with('*')
                {
                    assert!(
                        !b.trim().is_empty(),
                        "{}: a line of code vanished: {a}",
                        p.display()
                    );
                }
            }
        }
    }
}
