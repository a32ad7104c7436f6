//! The queries of facmon's Grafana dashboards (`grafana/dashboards/*.json`), made runnable
//! outside Grafana: every InfluxQL query a dashboard sends — panel targets (in rows too),
//! query variables and annotations — with Grafana's macros and variables substituted the way
//! Grafana's InfluxDB data source does, then run against a real InfluxDB 1.x.
//!
//! Extraction and substitution are pure (`queries`, `substitute`); only `load_all` reads
//! files and only `run_all_dashboard_queries` does I/O.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

/// Where the dashboards live in the repository.
pub const DASHBOARD_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/grafana/dashboards");

/// One dashboard file, parsed.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The file name without `.json` (`power`).
    pub name: String,
    pub json: Value,
}

/// Every `*.json` in `dir`, sorted by name. Panics on a file that is not JSON.
pub fn load_all(dir: &Path) -> Vec<Dashboard> {
    let mut out: Vec<Dashboard> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            Dashboard {
                name: p.file_stem().expect("file name").to_string_lossy().into_owned(),
                json: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display())),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// What a variable is set to.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// "All": the variable's `allValue` (`.*` in facmon's dashboards).
    All,
    /// One or more values, as a user picks them.
    Values(Vec<String>),
}

/// What a dashboard is looked at with: the time range, the interval Grafana would pick for it,
/// and the variables' values. A variable not in `values` is `All` (a query variable) or its
/// default (a textbox or constant).
#[derive(Debug, Clone)]
pub struct Scope {
    pub from_ms: i64,
    pub to_ms: i64,
    /// `$__interval`, e.g. `10s`.
    pub interval: Duration,
    pub values: BTreeMap<String, Selection>,
}

impl Scope {
    /// The range with every variable at "All" and the interval Grafana would pick for a panel
    /// about 1000 px wide (at least the data source's `timeInterval`, 1 s).
    pub fn all(from_ms: i64, to_ms: i64) -> Scope {
        let secs = ((to_ms - from_ms).max(0) as u64).div_ceil(1000 * 1000).max(1);
        Scope {
            from_ms,
            to_ms,
            interval: Duration::from_secs(secs),
            values: BTreeMap::new(),
        }
    }
}

/// One query of a dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The dashboard's file name without `.json`.
    pub dashboard: String,
    /// Where it is: `panel "Tank levels" A`, `variable building`, `annotation Incidents`.
    pub source: String,
    /// The InfluxQL as written in the dashboard, macros and variables included.
    pub template: String,
    /// The same with every macro and variable substituted for the scope.
    pub text: String,
}

/// A dashboard variable, as far as substitution needs it.
#[derive(Debug, Clone)]
struct Variable {
    name: String,
    kind: String,
    multi: bool,
    include_all: bool,
    all_value: Option<String>,
    /// Textbox and constant variables: the value they start with.
    default: Option<String>,
}

fn variables(d: &Dashboard) -> Vec<Variable> {
    d.json["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let kind = v["type"].as_str().unwrap_or_default().to_owned();
            Variable {
                name: v["name"].as_str().unwrap_or_default().to_owned(),
                multi: v["multi"].as_bool().unwrap_or(false),
                include_all: v["includeAll"].as_bool().unwrap_or(false),
                all_value: v["allValue"].as_str().filter(|s| !s.is_empty()).map(str::to_owned),
                default: matches!(kind.as_str(), "textbox" | "constant" | "custom")
                    .then(|| v["query"].as_str().map(str::to_owned))
                    .flatten(),
                kind,
            }
        })
        .collect()
}

/// Every query of every dashboard, substituted for `scope`, in dashboard order: query
/// variables, then annotations, then panel targets (rows' nested panels in place). Panics on
/// a panel target that is not raw InfluxQL: facmon's dashboards keep raw queries so that this
/// can run them.
pub fn queries(dashboards: &[Dashboard], scope: &Scope) -> Vec<Query> {
    let mut out = Vec::new();
    for d in dashboards {
        let vars = variables(d);
        let mut push = |source: String, template: &str, scope: &Scope| {
            out.push(Query {
                dashboard: d.name.clone(),
                source,
                template: template.to_owned(),
                text: substitute(template, &vars_view(&vars), scope),
            })
        };
        for v in d.json["templating"]["list"].as_array().into_iter().flatten() {
            if v["type"] != "query" {
                continue;
            }
            // Grafana stores a variable's query as a string, or (newer) as `{ "query": ... }`.
            let q = v["query"].as_str().or_else(|| v["query"]["query"].as_str());
            let name = v["name"].as_str().unwrap_or_default();
            push(
                format!("variable {name}"),
                q.unwrap_or_else(|| panic!("{}: variable {name} has no query", d.name)),
                scope,
            );
        }
        for a in d.json["annotations"]["list"].as_array().into_iter().flatten() {
            // Grafana's own annotations (the built-in "Annotations & Alerts") are not InfluxQL.
            if a["builtIn"].as_i64() == Some(1) || a["datasource"]["type"] == "grafana" {
                continue;
            }
            let name = a["name"].as_str().unwrap_or_default();
            let q = a["target"]["query"]
                .as_str()
                .or_else(|| a["query"].as_str())
                .unwrap_or_else(|| panic!("{}: annotation {name} has no query", d.name));
            push(format!("annotation {name}"), q, scope);
        }
        let mut panels = Vec::new();
        collect_panels(&d.json["panels"], &mut panels);
        for p in panels {
            let title = p["title"].as_str().unwrap_or_default();
            // A panel's "Min interval" bounds `$__interval` from below.
            let panel_scope = match p["interval"].as_str() {
                Some(min) => {
                    let min = parse_interval(min)
                        .unwrap_or_else(|| panic!("{}: panel {title:?} has an interval {min:?}", d.name));
                    Scope {
                        interval: scope.interval.max(min),
                        ..scope.clone()
                    }
                }
                None => scope.clone(),
            };
            for t in p["targets"].as_array().into_iter().flatten() {
                let ref_id = t["refId"].as_str().unwrap_or_default();
                let raw = t["rawQuery"].as_bool().unwrap_or(false);
                let q = t["query"].as_str().filter(|_| raw).unwrap_or_else(|| {
                    panic!(
                        "{}: panel {title:?} target {ref_id} is not a raw InfluxQL query",
                        d.name
                    )
                });
                push(format!("panel {title:?} {ref_id}"), q, &panel_scope);
            }
        }
    }
    out
}

/// Panels in dashboard order, a row's nested (collapsed) panels right after the row.
fn collect_panels<'a>(panels: &'a Value, out: &mut Vec<&'a Value>) {
    for p in panels.as_array().into_iter().flatten() {
        out.push(p);
        collect_panels(&p["panels"], out);
    }
}

/// The variables as `substitute` takes them.
fn vars_view(vars: &[Variable]) -> Vec<VariableRef<'_>> {
    vars.iter()
        .map(|v| VariableRef {
            name: &v.name,
            regex_formatted: v.multi || v.include_all,
            all_value: v.all_value.as_deref(),
            default: v.default.as_deref(),
            is_query: v.kind == "query",
        })
        .collect()
}

/// What `substitute` needs to know of a dashboard variable.
#[derive(Debug, Clone, Copy)]
pub struct VariableRef<'a> {
    pub name: &'a str,
    /// Multi-value or with "All": Grafana regex-escapes the values and joins them `(a|b)`.
    pub regex_formatted: bool,
    /// What "All" becomes; Grafana would list every value when it is unset, `.*` here.
    pub all_value: Option<&'a str>,
    /// The value of a textbox or constant variable that `Scope::values` does not set.
    pub default: Option<&'a str>,
    /// A query variable: unset means "All".
    pub is_query: bool,
}

/// Substitutes Grafana's macros and the dashboard's variables in one query, as Grafana's
/// InfluxDB data source does for InfluxQL:
/// * `$timeFilter` → `time >= <from>ms and time <= <to>ms`; `$__interval` and `$interval` →
///   the interval (`10s`, `1m`); `$__interval_ms`, `$__from`, `$__to` → milliseconds.
/// * `$name`, `${name}`, `[[name]]` and `${name:format}` (`regex`, `raw`, `pipe`, `csv`,
///   `singlequote`, `doublequote`) → the variable's value. A multi-value or "All"-capable
///   variable is regex-escaped, and several values become `(a|b)`; "All" is its `allValue`.
///
/// Anything it does not know (an unknown variable or format) is left as written, for
/// `unresolved` to report.
pub fn substitute(template: &str, vars: &[VariableRef<'_>], scope: &Scope) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find(['$', '[']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (reference, consumed) = match parse_reference(tail) {
            Some(r) => r,
            None => {
                let c = tail.chars().next().expect("non-empty");
                out.push(c);
                rest = &tail[c.len_utf8()..];
                continue;
            }
        };
        match resolve(&reference, vars, scope) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&tail[..consumed]),
        }
        rest = &tail[consumed..];
    }
    out.push_str(rest);
    out
}

struct Reference<'a> {
    name: &'a str,
    format: Option<&'a str>,
}

fn ident_len(s: &str) -> usize {
    s.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count()
}

/// `$name`, `${name}`, `${name:format}` or `[[name]]` / `[[name:format]]` at the start of `s`,
/// with how many bytes it spans.
fn parse_reference(s: &str) -> Option<(Reference<'_>, usize)> {
    if let Some(body) = s.strip_prefix("${") {
        let end = body.find('}')?;
        let inner = &body[..end];
        let (name, format) = match inner.split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (inner, None),
        };
        (ident_len(name) == name.len() && !name.is_empty()).then_some((Reference { name, format }, end + 3))
    } else if let Some(body) = s.strip_prefix("[[") {
        let end = body.find("]]")?;
        let inner = &body[..end];
        let (name, format) = match inner.split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (inner, None),
        };
        (ident_len(name) == name.len() && !name.is_empty()).then_some((Reference { name, format }, end + 4))
    } else if let Some(body) = s.strip_prefix('$') {
        let n = ident_len(body);
        (n > 0).then_some((
            Reference {
                name: &body[..n],
                format: None,
            },
            n + 1,
        ))
    } else {
        None
    }
}

fn resolve(r: &Reference<'_>, vars: &[VariableRef<'_>], scope: &Scope) -> Option<String> {
    let interval_ms = scope.interval.as_millis();
    let builtin = match r.name {
        "timeFilter" => Some(format!("time >= {}ms and time <= {}ms", scope.from_ms, scope.to_ms)),
        "__interval" | "interval" => Some(interval_text(scope.interval)),
        "__interval_ms" => Some(interval_ms.to_string()),
        "__from" => Some(scope.from_ms.to_string()),
        "__to" => Some(scope.to_ms.to_string()),
        _ => None,
    };
    if builtin.is_some() {
        return r.format.is_none().then_some(builtin).flatten();
    }
    let var = vars.iter().find(|v| v.name == r.name)?;
    let selection = match scope.values.get(r.name) {
        Some(s) => s.clone(),
        None if var.is_query => Selection::All,
        None => Selection::Values(vec![var.default?.to_owned()]),
    };
    let values = match selection {
        Selection::All => return Some(var.all_value.unwrap_or(".*").to_owned()),
        Selection::Values(v) => v,
    };
    let regex = |values: &[String]| {
        let escaped: Vec<String> = values.iter().map(|v| escape_regex(v)).collect();
        if escaped.len() == 1 {
            escaped[0].clone()
        } else {
            format!("({})", escaped.join("|"))
        }
    };
    Some(match r.format {
        None if var.regex_formatted => regex(&values),
        None | Some("raw") => values.join(","),
        Some("regex") => regex(&values),
        Some("pipe") => values.join("|"),
        Some("csv") => values.join(","),
        Some("singlequote") => values
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "\\'")))
            .collect::<Vec<_>>()
            .join(","),
        Some("doublequote") => values
            .iter()
            .map(|v| format!("\"{}\"", v.replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(","),
        Some(_) => return None,
    })
}

/// Grafana's `escapeRegex` (@grafana/data): the characters special in a JavaScript regex,
/// and `/`, which ends an InfluxQL regex.
pub fn escape_regex(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\^$*+?.()|[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An interval as Grafana writes it into a query: whole hours, minutes or seconds, else ms.
pub fn interval_text(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "1ms".into(),
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms if ms % 60_000 == 0 => format!("{}m", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

/// A Grafana interval (`10s`, `1m`, `>1m`: "at least"), as in a panel's "Min interval".
pub fn parse_interval(text: &str) -> Option<Duration> {
    let text = text.trim().trim_start_matches('>');
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = text[..digits].parse().ok()?;
    let ms = match &text[digits..] {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    Some(Duration::from_millis(n * ms))
}

/// The Grafana references left in a substituted query (`$site`, `${x}`, `[[y]]`): none when
/// substitution is complete. A `$` that ends a regex (`/^.*$/`) is not a reference.
pub fn unresolved(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if let Some((_, n)) = parse_reference(&text[i..]) {
            out.push(text[i..i + n].to_owned());
            i += n;
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------

/// What one query gave.
#[derive(Debug, Clone)]
pub struct QueryOutcome {
    pub dashboard: String,
    pub source: String,
    pub query: String,
    /// The number of rows (every value row of every series), or the error.
    pub result: Result<usize, String>,
}

/// Runs every query of every dashboard in `grafana/dashboards` against an InfluxDB 1.x
/// (`GET /query?db=..&q=..&epoch=ms`, as Grafana does), with every variable at "All" over
/// `from_ms..=to_ms`. Panel time overrides (`timeFrom`) are not applied: every query sees the
/// given range.
pub async fn run_all_dashboard_queries(influx_url: &str, db: &str, from_ms: i64, to_ms: i64) -> Vec<QueryOutcome> {
    let dashboards = load_all(Path::new(DASHBOARD_DIR));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .expect("reqwest client");
    let mut out = Vec::new();
    for q in queries(&dashboards, &Scope::all(from_ms, to_ms)) {
        let result = run_one(&http, influx_url, db, &q.text).await;
        out.push(QueryOutcome {
            dashboard: q.dashboard,
            source: q.source,
            query: q.text,
            result,
        });
    }
    out
}

async fn run_one(http: &reqwest::Client, url: &str, db: &str, q: &str) -> Result<usize, String> {
    let resp = http
        .get(format!("{url}/query"))
        .query(&[("db", db), ("q", q), ("epoch", "ms")])
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("reading the answer: {e}"))?;
    let v: Value = serde_json::from_str(&body).map_err(|e| format!("HTTP {status}, not JSON ({e}): {body}"))?;
    if let Some(e) = v["error"].as_str() {
        return Err(format!("HTTP {status}: {e}"));
    }
    let mut rows = 0;
    for r in v["results"].as_array().into_iter().flatten() {
        if let Some(e) = r["error"].as_str() {
            return Err(e.to_owned());
        }
        for s in r["series"].as_array().into_iter().flatten() {
            rows += s["values"].as_array().map_or(0, Vec::len);
        }
    }
    if !status.is_success() {
        return Err(format!("HTTP {status}: {body}"));
    }
    Ok(rows)
}

/// Fails, listing every one at once, when a dashboard query is refused or returns no row
/// from the history loaded into `db` over `from_ms..=to_ms`.
pub async fn assert_every_dashboard_query_returns_rows(influx_url: &str, db: &str, from_ms: i64, to_ms: i64) {
    let outcomes = run_all_dashboard_queries(influx_url, db, from_ms, to_ms).await;
    assert!(!outcomes.is_empty(), "no dashboard queries found in {DASHBOARD_DIR}");
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match &o.result {
            Ok(n) if *n > 0 => None,
            Ok(_) => Some(format!("{} / {}: no rows\n    {}", o.dashboard, o.source, o.query)),
            Err(e) => Some(format!("{} / {}: {e}\n    {}", o.dashboard, o.source, o.query)),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} dashboard queries failed over {from_ms}..{to_ms} ms:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}
