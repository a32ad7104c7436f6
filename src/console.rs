//! The web console's assets, embedded in the binary (no Node needed to run it).
//! (Stub: filled in by the console work.)

/// The asset at `path` (`index.html`, `assets/app.js`, …): its content type and bytes.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    match path {
        "" | "index.html" => Some((
            "text/html; charset=utf-8",
            b"<!doctype html><title>facmon</title><p>console coming</p>",
        )),
        _ => None,
    }
}
