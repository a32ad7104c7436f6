//! Keeps the generated sections of `docs/simulators.md` (register map, `set`
//! reference) identical to what the code produces. To refresh them after a
//! change, run the tests with `FACMON_SIM_UPDATE_DOCS=1`.

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/simulators.md");

/// Both tests may rewrite the same file.
static FILE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn check(name: &str, generated: &str) {
    let _guard = FILE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let start = format!("<!-- generated:{name} -->\n");
    let end = format!("<!-- end:{name} -->");
    let doc = std::fs::read_to_string(DOC).expect("docs/simulators.md is readable");
    let (Some(a), Some(b)) = (doc.find(&start), doc.find(&end)) else {
        panic!("docs/simulators.md lacks the markers {start:?} and {end:?}");
    };
    let current = &doc[a + start.len()..b];
    if current == generated {
        return;
    }
    if std::env::var_os("FACMON_SIM_UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &doc[..a + start.len()], &doc[b..]);
        std::fs::write(DOC, updated).expect("docs/simulators.md is writable");
        return;
    }
    panic!(
        "the {name} section of docs/simulators.md is out of date; \
         rerun the tests with FACMON_SIM_UPDATE_DOCS=1 to regenerate it"
    );
}

#[test]
fn the_register_map_in_the_docs_matches_the_simulator() {
    check("register-map", &crate::modbus::map::markdown());
}

#[test]
fn the_set_reference_in_the_docs_matches_the_simulator() {
    check("set-reference", &crate::building::knobs::markdown());
}
