//! `POST /api/v1/login`, `POST /api/v1/logout`, `GET /api/v1/me`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::audit::{self, Entry};
use super::{sessions, users, Caller, ClientAddr, Via, SESSION_COOKIE};
use crate::api::error::Body;
use crate::api::{ApiError, ApiState};

#[derive(Deserialize)]
pub struct Login {
    user: String,
    password: String,
}

/// Signs a person in: a session cookie and the CSRF token their changes must carry.
pub async fn login(
    State(state): State<ApiState>,
    ClientAddr(from): ClientAddr,
    Body(body): Body<Login>,
) -> Result<Response, ApiError> {
    if body.user.chars().count() > 64 {
        return Err(ApiError::BadRequest("a user name has at most 64 characters".into()));
    }
    let now = state.now();
    if let Err(retry_after_s) = state.limiter.check(&from, &body.user) {
        let (user, addr) = (body.user.clone(), from.clone());
        state
            .db(move |db| {
                let entry = Entry {
                    actor: &user,
                    role: "",
                    from: &addr,
                    action: "login",
                    target: "session",
                    outcome: "refused (429): too many failed sign-ins",
                };
                audit::record(&db.conn, &entry, now).map_err(ApiError::internal)
            })
            .await?;
        return Err(ApiError::TooManyRequests { retry_after_s });
    }
    let lasts = state.plan.api.session;
    let (user, addr) = (body.user.clone(), from.clone());
    let signed_in = state
        .db(move |db| {
            let found = users::check_password(&db.conn, &body.user, &body.password)?;
            let outcome = if found.is_some() {
                "ok"
            } else {
                "refused: wrong user or password"
            };
            let role = found.as_ref().map(|(_, r)| r.as_str()).unwrap_or("");
            let entry = Entry {
                actor: &body.user,
                role,
                from: &addr,
                action: "login",
                target: "session",
                outcome,
            };
            audit::record(&db.conn, &entry, now).map_err(ApiError::internal)?;
            match found {
                Some((name, role)) => {
                    let (id, csrf) = sessions::create(&db.conn, &name, role, lasts, now)?;
                    Ok(Some((name, role, id, csrf)))
                }
                None => Ok(None),
            }
        })
        .await?;
    let Some((name, role, id, csrf)) = signed_in else {
        state.limiter.failed(&from, &user);
        tracing::info!(user = %user, from = %from, "sign-in refused");
        return Err(ApiError::Unauthenticated);
    };
    state.limiter.succeeded(&from, &user);
    tracing::info!(user = %name, from = %from, "signed in");
    // Over HTTPS, or behind a TLS proxy, the cookie never travels in the clear.
    let secure = if state.plan.api.secure_cookie || state.plan.api.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        lasts.as_secs()
    );
    let body = json!({"user": name, "role": role.as_str(), "csrf": csrf});
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Ends the caller's session (a token has nothing to end) and clears the cookie.
pub async fn logout(State(state): State<ApiState>, caller: Caller) -> Result<Response, ApiError> {
    if let Via::Session { id_hash, .. } = &caller.via {
        let id_hash = id_hash.clone();
        state.db(move |db| sessions::delete(&db.conn, &id_hash)).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(([(header::SET_COOKIE, clear)], Json(json!({"user": caller.name}))).into_response())
}

/// Who the caller is; the console reads its CSRF token here after a reload.
pub async fn me(caller: Caller) -> Json<serde_json::Value> {
    let csrf = match &caller.via {
        Via::Session { csrf, .. } => Some(csrf.clone()),
        Via::Token => None,
    };
    Json(json!({"user": caller.name, "role": caller.role.as_str(), "csrf": csrf}))
}
