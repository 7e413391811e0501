//! Outside text (a server's header, an error body, a URL someone typed) as it may appear in a
//! message: control and invisible formatting characters escaped, so nothing can rewrite the
//! terminal or hide what follows, and cut to a sane length.

/// A line for the person, on stderr. Outside text reaches these lines (a role value the IdP
/// sent, a profile name, a URL): control characters are escaped so none can rewrite the
/// terminal, and a line is cut long before it could flood it.
pub fn say(line: &str) {
    eprintln!("{}", shown(line, MAX_LINE));
}

/// Far longer than any sentence aws-login writes, far shorter than a hostile value can be.
const MAX_LINE: usize = 2000;

/// `s` with control characters escaped (`\n`, `\u{1b}`) and bidirectional or zero-width
/// formatting characters written as `\u{…}`, in at most `max` characters: a longer text is cut
/// and ends with `…`.
pub fn shown(s: &str, max: usize) -> String {
    let pieces: Vec<String> = s
        .chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_default().collect(),
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' => {
                c.escape_unicode().collect()
            }
            c => c.to_string(),
        })
        .collect();
    let total: usize = pieces.iter().map(|p| p.chars().count()).sum();
    if total <= max {
        return pieces.concat();
    }
    let mut out = String::new();
    let mut len = 0;
    for piece in pieces {
        let n = piece.chars().count();
        if len + n + 1 > max {
            break;
        }
        out.push_str(&piece);
        len += n;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn escapes_controls_and_cuts() {
        assert_eq!(shown("plain text", 80), "plain text");
        assert_eq!(shown("a\nb\r\x1b[31mc\x7f", 80), "a\\nb\\r\\u{1b}[31mc\\u{7f}");
        assert_eq!(shown("right\u{202e}to left", 80), "right\\u{202e}to left");
        assert_eq!(shown("abcdef", 6), "abcdef");
        assert_eq!(shown("abcdefg", 6), "abcde…");
        assert_eq!(shown("ééééééé", 4).chars().count(), 4);
        // An escape is never cut in half.
        assert_eq!(shown("ab\x1b", 6), "ab…");
        assert_eq!(shown("", 0), "");
        assert_eq!(shown("x", 0), "");
    }
}
