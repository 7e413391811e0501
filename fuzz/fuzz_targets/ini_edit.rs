//! The order-preserving INI editor (src/ini_edit.rs) that `configure` and `migrate` use on
//! `~/.aws/config`, `~/.aws/credentials` and `~/.aws-login/config`.
//!
//! Input: `[op, section, key] value \0 file text`; anything shorter is taken as file text only.
//! Checked, beyond "no panic":
//! - parsing and printing gives back the file byte for byte;
//! - an edit keeps every line it has no business touching byte for byte and in order (all but
//!   blank, comment and indented lines, lines of the edited key, and for `remove_empty_sections`
//!   headers);
//! - the edited document reads back (parsed afresh) with the same sections and entries as the
//!   editor holds, and with the value set, or without the key removed;
//! - entries of other keys keep their values.
#![no_main]

use aws_login::ini_edit::{Document, aws_config_header, is_aws_config_profile};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = ["default", "p", "plugins", "profile p", "my p", "a"];
const KEYS: [&str; 7] = ["credential_process", "region", "k", "Login", "cli_legacy_plugin_path", "s3", "x"];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let split = (input.len() >= 3 && input.is_char_boundary(3)).then(|| input.split_at(3));
    let Some((ctl, rest)) = split.filter(|_| input.contains('\0')) else {
        assert_eq!(Document::parse(input).text(), input, "not byte for byte");
        return;
    };
    let Some((value, text)) = rest.split_once('\0') else { return };
    let ctl = ctl.as_bytes();
    let value: String = value.chars().filter(|&c| c != '\n' && c != '\r').collect();
    let name = NAMES[usize::from(ctl[1] >> 1) % NAMES.len()];
    let aws = ctl[1] & 1 == 1;
    let key = KEYS[usize::from(ctl[2]) % KEYS.len()];
    let matches = move |h: &str| if aws { is_aws_config_profile(h, name) } else { h == name };
    let header = if aws { aws_config_header(name) } else { name.to_string() };

    let before = Document::parse(text);
    assert_eq!(before.text(), text, "not byte for byte");
    let mut doc = before.clone();
    let op = ctl[0] % 4;
    match op {
        0 => {
            doc.set(&matches, &header, key, &value);
        }
        1 => {
            doc.remove(&matches, key);
        }
        2 => {
            doc.remove_empty_sections(&matches);
        }
        _ => {
            doc.set(&matches, &header, key, &value);
            doc.remove(&matches, key);
            doc.remove_empty_sections(&matches);
        }
    }
    let after = doc.text();

    // Untouchable lines survive, in order.
    let key_lc = key.to_lowercase();
    let may_go = |line: &str| {
        let body = line.trim_end_matches(['\n', '\r']);
        let t = body.trim();
        t.is_empty()
            || t.starts_with(['#', ';'])
            || body.starts_with(char::is_whitespace)
            || body.find(['=', ':']).is_some_and(|i| body[..i].trim().to_lowercase() == key_lc)
            || (op >= 2 && t.starts_with('['))
    };
    let old_lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut new_lines = after.split_inclusive('\n');
    for (i, old) in old_lines.iter().enumerate() {
        if may_go(old) {
            continue;
        }
        let last = i + 1 == old_lines.len() && !old.ends_with('\n');
        // A last line without an ending may get one when a line is added after it.
        let same = |new: &str| {
            new == *old || (last && [new.strip_suffix('\n'), new.strip_suffix("\r\n")].contains(&Some(*old)))
        };
        assert!(
            new_lines.any(same),
            "line {} ({old:?}) was changed or moved\n{text:?}\n=>\n{after:?}",
            i + 1
        );
    }

    // What the editor holds is what a reader reads back.
    let reread = Document::parse(&after);
    assert_eq!(reread.sections(), doc.sections(), "{text:?}\n=>\n{after:?}");
    assert_eq!(reread.entries(), doc.entries(), "{text:?}\n=>\n{after:?}");
    match op {
        0 => assert_eq!(reread.get(&matches, key).as_deref(), Some(value.trim()), "{text:?}\n=>\n{after:?}"),
        1 | 3 => assert_eq!(reread.get(&matches, key), None, "{text:?}\n=>\n{after:?}"),
        _ => {}
    }

    // Other keys keep their values.
    let others = |d: &Document| {
        d.entries()
            .into_iter()
            .filter(|(s, k, _)| !(matches(s) && k.to_lowercase() == key_lc))
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&reread), others(&before), "{text:?}\n=>\n{after:?}");
});
