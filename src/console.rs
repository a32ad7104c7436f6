//! The web console's assets (`console/`), embedded in the binary: the daemon serves them
//! from memory, so running it needs neither Node nor the source tree.
//!
//! The console is plain HTML, CSS and JavaScript modules with no build step and nothing
//! fetched from elsewhere: it works under `Content-Security-Policy: default-src 'self'`
//! (no inline scripts, styles or handlers) and on a control-room network without Internet.
//! It talks only to the endpoints of `docs/api.md` and its event stream.

/// One embedded file: its path under `/`, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $type:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/console/", $file)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the console. A new file in `console/` must be listed here; the tests below
/// fail when index.html or a module refers to one that is not.
static ASSETS: &[Asset] = &[
    asset!("index.html", "index.html", "text/html; charset=utf-8"),
    asset!("assets/app.css", "app.css", "text/css; charset=utf-8"),
    asset!("assets/app.js", "app.js", JS),
    asset!("assets/api.js", "api.js", JS),
    asset!("assets/dom.js", "dom.js", JS),
    asset!("assets/i18n.js", "i18n.js", JS),
    asset!("assets/plant.js", "plant.js", JS),
    asset!("assets/views.js", "views.js", JS),
    asset!("assets/icon.svg", "icon.svg", "image/svg+xml"),
];

/// The asset at `path` (`""` or `index.html` for the page, `assets/app.js`, …; a leading
/// `/` is ignored): its content type and bytes. `None` for anything else (a 404).
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    ASSETS
        .iter()
        .find(|a| a.path == path)
        .map(|a| (a.content_type, a.bytes))
}

/// Every embedded path (for a server that lists or preloads them).
pub fn paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|a| a.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(path: &str) -> &'static str {
        let (_, bytes) = asset(path).unwrap_or_else(|| panic!("{path} is not embedded"));
        std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{path} is not UTF-8: {e}"))
    }

    /// Values of `attr="…"` in an HTML text.
    fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
        let needle = format!(" {attr}=\"");
        html.match_indices(&needle)
            .filter_map(|(i, _)| {
                let rest = &html[i + needle.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect()
    }

    /// The modules a JavaScript file imports (`from './x.js'`).
    fn imports(js: &str) -> Vec<&str> {
        js.match_indices("from '")
            .filter_map(|(i, _)| {
                let rest = &js[i + 6..];
                rest.find('\'').map(|end| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn every_file_index_html_refers_to_is_embedded() {
        let html = text("index.html");
        let mut refs: Vec<&str> = attribute_values(html, "src");
        refs.extend(
            attribute_values(html, "href")
                .into_iter()
                .filter(|h| !h.starts_with('#')),
        );
        assert!(
            refs.contains(&"/assets/app.js") && refs.contains(&"/assets/app.css"),
            "{refs:?}"
        );
        for r in refs {
            assert!(
                r.starts_with("/assets/"),
                "index.html refers to {r}: only /assets/… is served"
            );
            assert!(
                asset(r).is_some(),
                "index.html refers to {r}, which is not embedded (add it to ASSETS)"
            );
        }
    }

    #[test]
    fn every_module_a_module_imports_is_embedded() {
        for path in paths().filter(|p| p.ends_with(".js")) {
            for import in imports(text(path)) {
                let name = import
                    .strip_prefix("./")
                    .unwrap_or_else(|| panic!("{path} imports {import}: only ./relative modules are served"));
                let target = format!("assets/{name}");
                assert!(
                    asset(&target).is_some(),
                    "{path} imports {import}, which is not embedded"
                );
            }
        }
    }

    #[test]
    fn every_console_file_is_embedded() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/console"));
        for entry in std::fs::read_dir(dir).expect("console/ exists") {
            let name = entry.expect("dir entry").file_name().into_string().expect("UTF-8 name");
            let path = if name == "index.html" {
                name.clone()
            } else {
                format!("assets/{name}")
            };
            assert!(asset(&path).is_some(), "console/{name} is not in ASSETS");
        }
    }

    /// The keys of one language's table in i18n.js (`    'key': 'text',` lines).
    fn table_keys(language: &str) -> std::collections::BTreeSet<&'static str> {
        let js = text("assets/i18n.js");
        let start = js
            .find(&format!("\n  {language}: {{\n"))
            .unwrap_or_else(|| panic!("no {language} table"));
        let body = &js[start..];
        let body = &body[..body.find("\n  },").expect("end of table")];
        body.lines()
            .filter_map(|l| l.trim().strip_prefix('\'')?.split_once("':").map(|(k, _)| k))
            .collect()
    }

    #[test]
    fn both_languages_have_every_word_and_every_word_used_exists() {
        let (en, zh) = (table_keys("en"), table_keys("zh"));
        assert!(en.len() > 100, "{} keys", en.len());
        assert_eq!(en, zh, "the zh and en tables of i18n.js differ");
        for path in paths().filter(|p| p.ends_with(".js")) {
            let js = text(path);
            for (i, _) in js.match_indices("t('") {
                // `t(` itself, not `split(` or `.t(`.
                if js[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &js[i + 3..];
                let key = &rest[..rest.find('\'').expect("closing quote")];
                assert!(en.contains(key), "{path} uses t('{key}'), which i18n.js does not have");
            }
        }
        for attr in attribute_values(text("index.html"), "data-i18n") {
            assert!(
                en.contains(attr),
                "index.html uses data-i18n=\"{attr}\", which i18n.js does not have"
            );
        }
    }

    #[test]
    fn content_types_follow_the_extension() {
        for path in paths() {
            let (content_type, bytes) = asset(path).unwrap();
            assert!(!bytes.is_empty(), "{path} is empty");
            let expected = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                // Browsers refuse a module script served under any other type.
                Some("js") => "text/javascript; charset=utf-8",
                Some("svg") => "image/svg+xml",
                other => panic!("{path}: no content type for {other:?}"),
            };
            assert_eq!(content_type, expected, "{path}");
        }
    }

    #[test]
    fn the_page_is_served_at_the_root_and_unknown_paths_are_not() {
        assert_eq!(asset("").unwrap().0, "text/html; charset=utf-8");
        assert_eq!(asset("/").unwrap(), asset("index.html").unwrap());
        assert_eq!(asset("/assets/app.js").unwrap(), asset("assets/app.js").unwrap());
        assert!(asset("assets/missing.js").is_none());
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("app.js").is_none());
    }

    /// `default-src 'self'`: an inline script, style or handler would be refused by the
    /// browser, and the console would silently not work.
    #[test]
    fn nothing_inline_that_the_content_security_policy_would_block() {
        let html = text("index.html");
        assert!(!html.contains(" style=\""), "index.html has an inline style attribute");
        assert!(!html.contains("<style"), "index.html has an inline <style>");
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(tag.contains(" src=\""), "index.html has an inline script: {tag}");
        }
        for attr in [" onclick=", " onload=", " onsubmit=", " onchange=", " oninput="] {
            assert!(!html.contains(attr), "index.html has an inline handler ({attr})");
        }
        for path in paths().filter(|p| p.ends_with(".js")) {
            let js = text(path);
            for banned in [
                "eval(",
                "new Function",
                "setAttribute('style'",
                "innerHTML",
                "http://",
                "https://",
            ] {
                assert!(!js.contains(banned), "{path} uses {banned}");
            }
        }
        assert!(
            !text("assets/app.css").contains("@import url(http"),
            "app.css loads from elsewhere"
        );
    }
}
