//! The documents made from the settings table ([`super::table`]): `.env.example` and the
//! settings tables of docs/configuration.md. `tests/settings.rs` fails when the files in the
//! repository differ from what these functions make.

use super::table::{Default, SETTINGS, Section, Setting};

/// Comment lines of `.env.example` wrap before this column.
const WIDTH: usize = 96;

const ENV_EXAMPLE_HEADER: &str = "\
# status: every setting, with its default and why it exists.
# Copy to .env (chmod 600: it holds secrets), uncomment and fill in what you use; a setting left
# unset takes its default. Precedence: flag > process environment > this file > default.
# Generated from src/config/table.rs: `status config --env-example` prints it, and
# `BLESS=1 cargo test --test tests settings` rewrites it.
";

/// The whole of `.env.example`.
pub fn env_example() -> String {
    let mut out = String::from(ENV_EXAMPLE_HEADER);
    for section in Section::ALL {
        let title = format!("# --- {} ", section.title());
        out.push_str(&format!("\n{title:-<WIDTH$}\n"));
        for setting in SETTINGS.iter().filter(|s| s.section == section) {
            let default = match setting.default {
                Default::Value(value) => value.to_string(),
                Default::Unset("") => "unset".to_string(),
                Default::Unset(means) => format!("unset ({})", plain(means)),
            };
            let text = format!(
                "{}. Default: {default}.",
                sentence(&plain(&meaning(setting)))
            );
            for line in wrap(&text, WIDTH - 2) {
                out.push_str(&format!("# {line}\n"));
            }
            out.push_str(&format!("# {}={}\n", setting.name, setting.example));
        }
    }
    out
}

/// The Markdown table of one section: `| `KEY` | default | meaning |` rows.
pub fn markdown_table(section: Section) -> String {
    let mut out = String::from("| setting | default | meaning |\n|---|---|---|\n");
    for setting in SETTINGS.iter().filter(|s| s.section == section) {
        let default = match setting.default {
            Default::Value(value) => format!("`{value}`"),
            Default::Unset("") => "unset".to_string(),
            Default::Unset(means) => format!("unset: {means}"),
        };
        out.push_str(&format!(
            "| `{}` | {default} | {} |\n",
            setting.name,
            meaning(setting)
        ));
    }
    out
}

/// `doc` with the text between each `<!-- settings:SECTION -->` and `<!-- /settings:SECTION -->`
/// replaced by that section's table. Every section must have its markers, once.
pub fn with_markdown_tables(doc: &str) -> Result<String, String> {
    let mut out = doc.to_string();
    for section in Section::ALL {
        let open = format!("<!-- settings:{} -->\n", section.marker());
        let close = format!("<!-- /settings:{} -->", section.marker());
        let (Some(start), Some(end)) = (out.find(&open), out.find(&close)) else {
            return Err(format!("no {open:?} ... {close:?} markers"));
        };
        if out.matches(&open).count() != 1 || end < start {
            return Err(format!("the {open:?} markers are repeated or out of order"));
        }
        out.replace_range(start + open.len()..end, &markdown_table(section));
    }
    Ok(out)
}

/// The meaning with what the table says besides: the flag that sets it too, and whether it is
/// a secret.
fn meaning(setting: &Setting) -> String {
    let mut text = setting.meaning.to_string();
    if let Some(flag) = setting.flag {
        text.push_str(&format!("; also `{flag}`"));
    }
    if setting.secret {
        text.push_str("; a secret: never logged or printed");
    }
    text
}

/// Markdown code spans as plain text.
pub fn plain(markdown: &str) -> String {
    markdown.replace('`', "")
}

/// `text` with its first letter in capitals, to start a comment line.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `text` in lines of at most `width` characters, broken at spaces (a longer word gets a line
/// of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        assert_eq!(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
    }

    #[test]
    fn every_row_renders_as_one_table_row() {
        for setting in SETTINGS {
            let text = format!("{:?} {}", setting.default, setting.meaning);
            assert!(
                !text.contains('|'),
                "{}: a `|` splits the row",
                setting.name
            );
        }
        let table = markdown_table(Section::Kuma);
        assert!(table.contains(
            "| `KUMA_CONCURRENCY` | `32` | most badge requests in flight at once (1 to 256)"
        ));
        assert!(table.contains("| `KUMA_API_KEY` | unset | Uptime Kuma API key (1.23 or 2.x)"));
    }

    #[test]
    fn env_example_states_each_default_and_example() {
        let text = env_example();
        assert!(text.contains("# STATUS_TIMEOUT=30s\n"), "{text}");
        assert!(text.contains("Default: unset (AWS S3).\n# SPACES_ENDPOINT=https://"));
        assert!(text.lines().all(|line| line.len() <= WIDTH), "{text}");
    }

    #[test]
    fn markers_are_required_and_their_contents_replaced() {
        let mut doc = String::from("intro\n");
        for section in Section::ALL {
            let marker = section.marker();
            doc.push_str(&format!(
                "<!-- settings:{marker} -->\nXYZZY\n<!-- /settings:{marker} -->\n"
            ));
        }
        let updated = with_markdown_tables(&doc).unwrap();
        assert!(!updated.contains("XYZZY"));
        assert!(updated.starts_with("intro\n<!-- settings:general -->\n| setting |"));
        assert_eq!(with_markdown_tables(&updated).unwrap(), updated);
        assert!(with_markdown_tables("no markers").is_err());
    }
}
