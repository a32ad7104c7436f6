//! The time-series servers the InfluxDB writer is tested against, checked on their own: the
//! lines of docs/timeseries.md go in and come back out exactly, and a server that is killed or
//! stopped comes back on the same port with its data.

use std::collections::BTreeMap;
use std::io::Write as _;

use crate::support::tsdb::{InfluxDb1, Row, Series, VictoriaMetrics};

/// The example of docs/timeseries.md, verbatim.
const DOC_LINES: &str = "\
facmon_point,site=demo-plaza,building=tower-a,equipment=gen-1,kind=generator,role=output_voltage,unit=V value=400.2,quality=0i 1795000000000
facmon_point,site=demo-plaza,building=tower-a,equipment=gen-1,kind=generator,role=mode_selector value=1,quality=0i 1795000000000
facmon_device,site=demo-plaza,device=ats-1-controller,protocol=modbus online=0,consecutive_failures=3i 1795000001000
facmon_alarm,site=demo-plaza,rule=PWR-02,equipment=gen-1,family=pwr,event=raised,severity=critical state=1i,active=1,announce=1,incident=4i 1795000015000
";

/// Unicode and escaped tag values (space, comma, equals sign), and a point whose quality is
/// not good, so its `value` field is absent.
const ESCAPED_LINES: &str = "\
facmon_point,site=demo\\ plaza,building=塔\\,A,equipment=1号发电机,kind=generator,role=output_voltage,unit=V value=231.5,quality=0i 1795000002000
facmon_point,site=demo\\ plaza,building=塔\\,A,equipment=集水坑\\ B2,kind=sump_pit,role=level,unit=m quality=1i 1795000002000
facmon_device,site=demo\\ plaza,device=mqtt:main\\=1,protocol=mqtt_broker online=1,consecutive_failures=0i 1795000003000
";

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

fn row<'a>(rows: &'a [Row], equipment: &str, key: &str, value: &str) -> &'a Row {
    let found: Vec<&Row> = rows
        .iter()
        .filter(|r| r["equipment"] == equipment && r[key] == value)
        .collect();
    assert_eq!(found.len(), 1, "one row for {equipment} {key}={value} in {rows:#?}");
    found[0]
}

fn num(r: &Row, column: &str) -> f64 {
    r[column]
        .as_f64()
        .unwrap_or_else(|| panic!("{column} is not a number in {r:?}"))
}

#[tokio::test]
async fn influxdb1_returns_the_documented_lines_exactly() {
    let db = InfluxDb1::start().await;
    db.create_database("facmon").await;
    db.write("facmon", DOC_LINES).await;
    db.write("facmon", ESCAPED_LINES).await;

    let points = db.rows("facmon", "SELECT * FROM facmon_point").await;
    assert_eq!(points.len(), 4, "{points:#?}");
    let v = row(&points, "gen-1", "role", "output_voltage");
    assert_eq!(
        (num(v, "time"), num(v, "value"), num(v, "quality")),
        (1795000000000.0, 400.2, 0.0)
    );
    assert_eq!(
        (
            v["site"].as_str(),
            v["building"].as_str(),
            v["kind"].as_str(),
            v["unit"].as_str()
        ),
        (Some("demo-plaza"), Some("tower-a"), Some("generator"), Some("V"))
    );
    let m = row(&points, "gen-1", "role", "mode_selector");
    assert_eq!(
        (num(m, "time"), num(m, "value"), num(m, "quality")),
        (1795000000000.0, 1.0, 0.0)
    );
    assert!(m["unit"].is_null(), "no unit tag: {m:?}");
    let g = row(&points, "1号发电机", "role", "output_voltage");
    assert_eq!(
        (num(g, "time"), num(g, "value"), num(g, "quality")),
        (1795000002000.0, 231.5, 0.0)
    );
    assert_eq!(
        (g["site"].as_str(), g["building"].as_str()),
        (Some("demo plaza"), Some("塔,A"))
    );
    let pit = row(&points, "集水坑 B2", "role", "level");
    assert!(pit["value"].is_null(), "no value when the quality is not good: {pit:?}");
    assert_eq!((num(pit, "quality"), pit["unit"].as_str()), (1.0, Some("m")));

    let devices = db.rows("facmon", "SELECT * FROM facmon_device").await;
    assert_eq!(devices.len(), 2, "{devices:#?}");
    let ats = devices
        .iter()
        .find(|r| r["device"] == "ats-1-controller")
        .expect("ats-1-controller");
    assert_eq!(
        (num(ats, "time"), num(ats, "online"), num(ats, "consecutive_failures")),
        (1795000001000.0, 0.0, 3.0)
    );
    let broker = devices
        .iter()
        .find(|r| r["device"] == "mqtt:main=1")
        .expect("mqtt:main=1");
    assert_eq!(
        (
            num(broker, "online"),
            broker["protocol"].as_str(),
            broker["site"].as_str()
        ),
        (1.0, Some("mqtt_broker"), Some("demo plaza"))
    );

    let alarms = db.rows("facmon", "SELECT * FROM facmon_alarm").await;
    assert_eq!(alarms.len(), 1, "{alarms:#?}");
    let a = &alarms[0];
    let fields = ["time", "state", "active", "announce", "incident"].map(|c| num(a, c));
    assert_eq!(fields, [1795000015000.0, 1.0, 1.0, 1.0, 4.0]);
    let tags = ["site", "rule", "equipment", "family", "event", "severity"].map(|c| a[c].as_str().unwrap_or_default());
    assert_eq!(tags, ["demo-plaza", "PWR-02", "gen-1", "pwr", "raised", "critical"]);

    // The field types are the documented ones.
    let keys = db.rows("facmon", "SHOW FIELD KEYS").await;
    let types: BTreeMap<(String, String), String> = keys
        .iter()
        .map(|r| {
            (
                (
                    r["_measurement"].as_str().unwrap_or_default().to_owned(),
                    r["fieldKey"].as_str().unwrap_or_default().to_owned(),
                ),
                r["fieldType"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: BTreeMap<(String, String), String> = [
        ("facmon_alarm", "active", "float"),
        ("facmon_alarm", "announce", "float"),
        ("facmon_alarm", "incident", "integer"),
        ("facmon_alarm", "state", "integer"),
        ("facmon_device", "consecutive_failures", "integer"),
        ("facmon_device", "online", "float"),
        ("facmon_point", "quality", "integer"),
        ("facmon_point", "value", "float"),
    ]
    .into_iter()
    .map(|(m, f, t)| ((m.to_owned(), f.to_owned()), t.to_owned()))
    .collect();
    assert_eq!(types, expected);

    // A unicode tag value selects its series.
    let gen = db
        .rows("facmon", "SELECT value FROM facmon_point WHERE equipment = '1号发电机'")
        .await;
    assert_eq!(gen.len(), 1, "{gen:#?}");
    assert_eq!(num(&gen[0], "value"), 231.5);

    // InfluxDB 1.x refuses a field whose type changed: why facmon never changes one.
    let (status, body) = db
        .write_raw(
            "facmon",
            "facmon_point,site=demo-plaza,equipment=gen-1,role=output_voltage value=400i 1795000060000",
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("field type conflict"), "{body}");
}

#[tokio::test]
async fn influxdb1_keeps_acknowledged_writes_when_killed_and_restarted() {
    let mut db = InfluxDb1::start().await;
    let port = db.port;
    db.create_database("facmon").await;
    db.write("facmon", DOC_LINES).await;

    db.kill();
    assert!(!db.is_running());
    let http = reqwest::Client::new();
    assert!(
        http.get(format!("{}/ping", db.url())).send().await.is_err(),
        "nothing answers while it is down"
    );

    db.restart().await;
    assert_eq!(db.port, port, "same port after a restart");
    let all = db
        .rows("facmon", "SELECT * FROM facmon_point, facmon_device, facmon_alarm")
        .await;
    assert_eq!(all.len(), 4, "every acknowledged line survived the kill: {all:#?}");

    // After a clean stop too, and it takes writes again.
    db.write("facmon", ESCAPED_LINES).await;
    db.stop().await;
    assert!(!db.is_running());
    db.restart().await;
    let all = db
        .wait_rows(
            "facmon",
            "SELECT * FROM facmon_point, facmon_device, facmon_alarm",
            "7 rows",
            |r| r.len() == 7,
        )
        .await;
    assert_eq!(all.iter().filter(|r| r["site"] == "demo plaza").count(), 3, "{all:#?}");
}

fn series(name: &str, labels: &[(&str, &str)], value: f64, timestamp: i64) -> Series {
    let mut l: BTreeMap<String, String> = labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    l.insert("__name__".into(), name.into());
    Series {
        labels: l,
        values: vec![value],
        timestamps: vec![timestamp],
    }
}

/// What VictoriaMetrics makes of `DOC_LINES` (with `extra` labels added to each series).
fn doc_series(extra: &[(&str, &str)]) -> Vec<Series> {
    let with =
        |base: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> { base.iter().chain(extra).copied().collect() };
    let volts = with(&[
        ("site", "demo-plaza"),
        ("building", "tower-a"),
        ("equipment", "gen-1"),
        ("kind", "generator"),
        ("role", "output_voltage"),
        ("unit", "V"),
    ]);
    let mode = with(&[
        ("site", "demo-plaza"),
        ("building", "tower-a"),
        ("equipment", "gen-1"),
        ("kind", "generator"),
        ("role", "mode_selector"),
    ]);
    let ats = with(&[
        ("site", "demo-plaza"),
        ("device", "ats-1-controller"),
        ("protocol", "modbus"),
    ]);
    let alarm = with(&[
        ("site", "demo-plaza"),
        ("rule", "PWR-02"),
        ("equipment", "gen-1"),
        ("family", "pwr"),
        ("event", "raised"),
        ("severity", "critical"),
    ]);
    vec![
        series("facmon_point_value", &volts, 400.2, 1795000000000),
        series("facmon_point_quality", &volts, 0.0, 1795000000000),
        series("facmon_point_value", &mode, 1.0, 1795000000000),
        series("facmon_point_quality", &mode, 0.0, 1795000000000),
        series("facmon_device_online", &ats, 0.0, 1795000001000),
        series("facmon_device_consecutive_failures", &ats, 3.0, 1795000001000),
        series("facmon_alarm_state", &alarm, 1.0, 1795000015000),
        series("facmon_alarm_active", &alarm, 1.0, 1795000015000),
        series("facmon_alarm_announce", &alarm, 1.0, 1795000015000),
        series("facmon_alarm_incident", &alarm, 4.0, 1795000015000),
    ]
}

/// What VictoriaMetrics makes of `ESCAPED_LINES`.
fn escaped_series() -> Vec<Series> {
    let gen = [
        ("site", "demo plaza"),
        ("building", "塔,A"),
        ("equipment", "1号发电机"),
        ("kind", "generator"),
        ("role", "output_voltage"),
        ("unit", "V"),
    ];
    let pit = [
        ("site", "demo plaza"),
        ("building", "塔,A"),
        ("equipment", "集水坑 B2"),
        ("kind", "sump_pit"),
        ("role", "level"),
        ("unit", "m"),
    ];
    let broker = [
        ("site", "demo plaza"),
        ("device", "mqtt:main=1"),
        ("protocol", "mqtt_broker"),
    ];
    vec![
        series("facmon_point_value", &gen, 231.5, 1795000002000),
        series("facmon_point_quality", &gen, 0.0, 1795000002000),
        series("facmon_point_quality", &pit, 1.0, 1795000002000),
        series("facmon_device_online", &broker, 1.0, 1795000003000),
        series("facmon_device_consecutive_failures", &broker, 0.0, 1795000003000),
    ]
}

fn sorted(mut s: Vec<Series>) -> Vec<Series> {
    s.sort_by(|a, b| a.labels.cmp(&b.labels));
    s
}

#[tokio::test]
async fn victoria_metrics_returns_the_documented_lines_from_v1_and_v2_writes() {
    let vm = VictoriaMetrics::start().await;
    let http = reqwest::Client::new();

    // The v1 write, as facmon sends it to InfluxDB 1.x / VictoriaMetrics targets.
    let resp = http
        .post(format!("{}/write?db=facmon&precision=ms", vm.url()))
        .body(DOC_LINES)
        .send()
        .await
        .expect("v1 write");
    assert_eq!(resp.status().as_u16(), 204, "{:?}", resp.text().await);

    // The v2 write, as facmon sends it to InfluxDB 2.x targets: org, bucket, token, gzip.
    let resp = http
        .post(format!("{}/api/v2/write?org=x&bucket=y&precision=ms", vm.url()))
        .header("Authorization", "Token facmon-test-token")
        .header("Content-Encoding", "gzip")
        .body(gzip(ESCAPED_LINES))
        .send()
        .await
        .expect("v2 write");
    assert_eq!(resp.status().as_u16(), 204, "{:?}", resp.text().await);

    let got = vm.export(r#"{__name__=~"facmon_.*"}"#).await;
    // v1 adds a `db` label from `?db=`; v2 adds nothing for org or bucket.
    let expected = sorted(
        doc_series(&[("db", "facmon")])
            .into_iter()
            .chain(escaped_series())
            .collect(),
    );
    assert_eq!(got.len(), 15);
    assert_eq!(got, expected);

    // A selector on a unicode label value.
    let gen = vm
        .export(r#"facmon_point_value{equipment="1号发电机",building="塔,A"}"#)
        .await;
    assert_eq!(gen.len(), 1, "{gen:#?}");
    assert_eq!(
        (gen[0].values.as_slice(), gen[0].timestamps.as_slice()),
        ([231.5].as_slice(), [1795000002000].as_slice())
    );
}

#[tokio::test]
async fn victoria_metrics_keeps_written_data_when_stopped_and_restarted() {
    let mut vm = VictoriaMetrics::start().await;
    let port = vm.port;
    let selector = r#"{__name__=~"facmon_.*"}"#;
    vm.write(DOC_LINES).await;
    let before = vm.export(selector).await;
    assert_eq!(before, sorted(doc_series(&[])));

    vm.stop().await;
    assert!(!vm.is_running());
    let http = reqwest::Client::new();
    assert!(
        http.get(format!("{}/health", vm.url())).send().await.is_err(),
        "nothing answers while it is down"
    );
    vm.restart().await;
    assert_eq!(vm.port, port, "same port after a restart");
    assert_eq!(
        vm.export(selector).await,
        before,
        "everything written before the stop survived"
    );

    // What a clean stop wrote to disk also survives a crash, and it takes writes again.
    vm.kill();
    assert!(!vm.is_running());
    vm.restart().await;
    assert_eq!(vm.export(selector).await, before);
    vm.write(ESCAPED_LINES).await;
    let after = vm.wait_export(selector, "the escaped lines", |s| s.len() == 15).await;
    assert_eq!(
        after,
        sorted(doc_series(&[]).into_iter().chain(escaped_series()).collect())
    );
}
