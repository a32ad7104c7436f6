//! The live event stream: a point change from the plant, resumption with Last-Event-ID.

use facmon::point::Value as PointValue;
use reqwest::Method;

use crate::support::api::{Api, Auth, SseReader};
use crate::support::wait;

#[tokio::test]
async fn an_event_stream_client_sees_the_mains_fail_and_gets_it_again_when_it_resumes() {
    let api = Api::start().await;
    let viewer = api.token("console", "viewer");
    wait::value(&api.b.daemon.store, "ats-1", "mains_available", PointValue::Bool(true)).await;
    let res = api.send(&viewer, Method::GET, "/api/v1/events", None).await;
    let mut events = SseReader::new(res);
    api.b.command("mains fail");
    let is_mains_lost = |e: &crate::support::api::Sse| {
        e.event == "point"
            && e.data["equipment"] == "ats-1"
            && e.data["role"] == "mains_available"
            && e.data["value"] == false
    };
    let lost = events.until("ats-1 mains_available false", is_mains_lost).await;
    assert_eq!(lost.data["quality"], "good");
    let id = lost.id.expect("events carry ids");

    // A client that saw everything up to the event before it gets it again on resuming.
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/events", api.base));
    if let Auth::Token(t) = &viewer {
        req = req.bearer_auth(t);
    }
    let res = req.header("last-event-id", (id - 1).to_string()).send().await.unwrap();
    let mut resumed = SseReader::new(res);
    let first = resumed.next().await;
    assert_eq!(first.id, Some(id), "{first:?}");
    assert!(is_mains_lost(&first), "{first:?}");

    // One from long ago gets a resync.
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/events", api.base));
    if let Auth::Token(t) = &viewer {
        req = req.bearer_auth(t);
    }
    let res = req.header("last-event-id", "1").send().await.unwrap();
    assert_eq!(SseReader::new(res).next().await.event, "resync");
    api.stop().await;
}
