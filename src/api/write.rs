//! The changing endpoints (role `operator`). Alarms change only through
//! [`crate::alarm::Alarms::operate`] (journaled, saved, published), tickets only through
//! [`crate::ticket::Desk`] in an immediate transaction, as `facmon ticket` does. Every
//! attempt by a signed-in caller is written to the audit log, done or refused.

use std::time::{Duration, SystemTime};

use axum::extract::{Path, State};
use axum::Json;
use rusqlite::TransactionBehavior;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::audit::{self, Entry};
use super::auth::{Caller, Role};
use super::error::Body;
use super::{view, ApiError, ApiState};
use crate::db::{from_millis, Db};
use crate::ticket::{store, Category, Desk, Priority, Step, TicketEvent};

type Reply = Result<Json<Value>, ApiError>;

/// Checks the role, runs `op` off the async threads with a database connection, and writes
/// the audit row of the attempt.
async fn change<T, F>(s: &ApiState, caller: &Caller, action: &str, target: String, op: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Db, SystemTime) -> Result<T, ApiError> + Send + 'static,
{
    let allowed = caller.require(Role::Operator);
    let now = s.now();
    let (caller, action) = (caller.clone(), action.to_string());
    s.db(move |db| {
        let result = allowed.and_then(|()| op(db, now));
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("refused ({}): {e}", e.status().as_u16()),
        };
        let entry = Entry {
            actor: &caller.name,
            role: caller.role.as_str(),
            from: &caller.from,
            action: &action,
            target: &target,
            outcome: &outcome,
        };
        if let Err(e) = audit::record(&db.conn, &entry, now) {
            tracing::error!("cannot write the audit row of {action} on {target}: {e}");
        }
        result
    })
    .await
}

fn alarm_reply(s: &ApiState, rule: &str, equipment: &str) -> Json<Value> {
    let book = s.alarms.book();
    Json(
        book.get(rule, equipment)
            .map(|a| view::alarm(&book, a))
            .unwrap_or(Value::Null),
    )
}

#[derive(Deserialize)]
pub struct Note {
    note: Option<String>,
}

pub async fn acknowledge(
    State(s): State<ApiState>,
    caller: Caller,
    Path((rule, equipment)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Reply {
    // The body is optional: an empty one acknowledges without a note.
    let note = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<Note>(&body)
            .map_err(|e| ApiError::BadRequest(format!("the body must be {{\"note\": \"...\"}} or empty ({e})")))?
            .note
    };
    let (alarms, by, r, e) = (s.alarms.clone(), caller.name.clone(), rule.clone(), equipment.clone());
    change(
        &s,
        &caller,
        "alarm.acknowledge",
        format!("{rule}/{equipment}"),
        move |_, _| Ok(alarms.operate(|book, now| book.acknowledge(&r, &e, &by, note.as_deref(), now))?),
    )
    .await?;
    Ok(alarm_reply(&s, &rule, &equipment))
}

#[derive(Deserialize)]
pub struct ShelveBody {
    minutes: u64,
    reason: String,
}

pub async fn shelve(
    State(s): State<ApiState>,
    caller: Caller,
    Path((rule, equipment)): Path<(String, String)>,
    Body(body): Body<ShelveBody>,
) -> Reply {
    let (alarms, by, r, e) = (s.alarms.clone(), caller.name.clone(), rule.clone(), equipment.clone());
    change(
        &s,
        &caller,
        "alarm.shelve",
        format!("{rule}/{equipment}"),
        move |_, _| {
            if body.minutes > 7 * 24 * 60 {
                return Err(ApiError::BadRequest(
                    "shelve for at most 7 days (10080 minutes); take the equipment out of service for longer".into(),
                ));
            }
            let d = Duration::from_secs(body.minutes * 60);
            Ok(alarms.operate(|book, now| book.shelve(&r, &e, d, &body.reason, &by, now))?)
        },
    )
    .await?;
    Ok(alarm_reply(&s, &rule, &equipment))
}

pub async fn unshelve(
    State(s): State<ApiState>,
    caller: Caller,
    Path((rule, equipment)): Path<(String, String)>,
) -> Reply {
    let (alarms, by, r, e) = (s.alarms.clone(), caller.name.clone(), rule.clone(), equipment.clone());
    change(
        &s,
        &caller,
        "alarm.unshelve",
        format!("{rule}/{equipment}"),
        move |_, _| Ok(alarms.operate(|book, now| book.unshelve(&r, &e, &by, now))?),
    )
    .await?;
    Ok(alarm_reply(&s, &rule, &equipment))
}

pub async fn reset(
    State(s): State<ApiState>,
    caller: Caller,
    Path((rule, equipment)): Path<(String, String)>,
) -> Reply {
    let (alarms, by, r, e) = (s.alarms.clone(), caller.name.clone(), rule.clone(), equipment.clone());
    change(
        &s,
        &caller,
        "alarm.reset",
        format!("{rule}/{equipment}"),
        move |_, _| Ok(alarms.operate(|book, now| book.reset_latch(&r, &e, &by, now))?),
    )
    .await?;
    Ok(alarm_reply(&s, &rule, &equipment))
}

#[derive(Deserialize)]
pub struct OutOfServiceBody {
    why: String,
    until_ms: Option<i64>,
}

fn known_equipment(s: &ApiState, id: &str) -> Result<(), ApiError> {
    match s.plan.equipment.iter().any(|e| e.id == id) {
        true => Ok(()),
        false => Err(ApiError::NotFound(format!(
            "there is no equipment {id}; GET /api/v1/equipment lists it"
        ))),
    }
}

pub async fn out_of_service(
    State(s): State<ApiState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<OutOfServiceBody>,
) -> Reply {
    let known = known_equipment(&s, &id);
    let (alarms, by, eq) = (s.alarms.clone(), caller.name.clone(), id.clone());
    change(
        &s,
        &caller,
        "equipment.out_of_service",
        format!("equipment/{id}"),
        move |_, now| {
            known?;
            if body.why.trim().is_empty() {
                return Err(ApiError::BadRequest(
                    "say why the equipment is out of service (\"why\")".into(),
                ));
            }
            let until = body.until_ms.map(from_millis);
            if until.is_some_and(|u| u <= now) {
                return Err(ApiError::BadRequest(
                    "\"until_ms\" is in the past: give a later time or leave it out".into(),
                ));
            }
            Ok(alarms.operate(|book, now| Ok(book.set_out_of_service(&eq, &by, &body.why, until, now)))?)
        },
    )
    .await?;
    Ok(Json(json!({"equipment": id, "out_of_service": true})))
}

pub async fn return_to_service(State(s): State<ApiState>, caller: Caller, Path(id): Path<String>) -> Reply {
    let known = known_equipment(&s, &id);
    let (alarms, by, eq) = (s.alarms.clone(), caller.name.clone(), id.clone());
    change(
        &s,
        &caller,
        "equipment.return_to_service",
        format!("equipment/{id}"),
        move |_, _| {
            known?;
            Ok(alarms.operate(|book, now| book.return_to_service(&eq, &by, now))?)
        },
    )
    .await?;
    Ok(Json(json!({"equipment": id, "out_of_service": false})))
}

/// Runs a ticket change in an immediate transaction (the daemon's desk may write meanwhile)
/// and answers with the ticket as it is after it.
fn in_transaction(
    db: &mut Db,
    f: impl FnOnce(&rusqlite::Transaction) -> Result<Vec<TicketEvent>, crate::ticket::TicketError>,
) -> Result<Value, ApiError> {
    let tx = db
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(ApiError::internal)?;
    let events = f(&tx)?;
    let id = events.last().map(|e| e.ticket().id);
    let detail = match id {
        Some(id) => {
            let t = store::get(&tx, id)?.ok_or(crate::ticket::TicketError::NotFound(id))?;
            view::ticket_detail(&t, &store::timeline(&tx, id)?)
        }
        None => Value::Null,
    };
    tx.commit().map_err(ApiError::internal)?;
    Ok(detail)
}

#[derive(Deserialize)]
pub struct OpenTicket {
    category: String,
    priority: Option<String>,
    title: String,
    note: Option<String>,
}

pub async fn open_ticket(State(s): State<ApiState>, caller: Caller, Body(body): Body<OpenTicket>) -> Reply {
    let (plan, by) = (s.plan.clone(), caller.name.clone());
    let t = change(&s, &caller, "ticket.open", "ticket/new".into(), move |db, now| {
        let category = Category::from_name(&body.category).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "\"{}\" is not a category: use power, water, drainage, fire, comms or other",
                body.category
            ))
        })?;
        let priority = match body.priority.as_deref() {
            None => Priority::Normal,
            Some(p) => Priority::from_name(p).ok_or_else(|| {
                ApiError::BadRequest(format!("\"{p}\" is not a priority: use critical, urgent or normal"))
            })?,
        };
        let desk = Desk::new(&plan.tickets);
        in_transaction(db, |tx| {
            desk.open_by_hand(tx, category, priority, &body.title, &by, body.note.as_deref(), now)
        })
    })
    .await?;
    Ok(Json(t))
}

#[derive(Deserialize)]
pub struct StepBody {
    step: String,
    to: Option<String>,
    reason: Option<String>,
    note: Option<String>,
}

pub async fn ticket_step(
    State(s): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<StepBody>,
) -> Reply {
    let (plan, by) = (s.plan.clone(), caller.name.clone());
    let action = format!("ticket.step.{}", body.step);
    let t = change(&s, &caller, &action, format!("ticket/{id}"), move |db, now| {
        let step = match body.step.as_str() {
            "assign" => Step::Assign {
                to: body
                    .to
                    .clone()
                    .ok_or_else(|| ApiError::BadRequest("an assignment needs \"to\": who takes it".into()))?,
            },
            "acknowledge" => Step::Acknowledge,
            "on_site" => Step::OnSite,
            "resolve" => Step::Resolve,
            "follow_up" => Step::FollowUp,
            "cancel" => Step::Cancel {
                reason: body.reason.clone().unwrap_or_default(),
            },
            other => {
                return Err(ApiError::BadRequest(format!(
                    "\"{other}\" is not a step: use assign, acknowledge, on_site, resolve, follow_up or cancel"
                )))
            }
        };
        let desk = Desk::new(&plan.tickets);
        in_transaction(db, |tx| desk.step(tx, id, step, &by, body.note.as_deref(), now))
    })
    .await?;
    Ok(Json(t))
}

pub async fn check_item(State(s): State<ApiState>, caller: Caller, Path((id, item)): Path<(i64, i64)>) -> Reply {
    let (plan, by) = (s.plan.clone(), caller.name.clone());
    let t = change(
        &s,
        &caller,
        "ticket.check",
        format!("ticket/{id}/checklist/{item}"),
        move |db, now| {
            let desk = Desk::new(&plan.tickets);
            in_transaction(db, |tx| desk.check(tx, id, item, &by, now))
        },
    )
    .await?;
    Ok(Json(t))
}
